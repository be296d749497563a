package facts

// Cloud is what the cloud provider says about one host's reachability, made
// by package cloud and consumed by package diagnose.
type Cloud struct {
	Provider   string // "aws"
	Region     string
	InstanceID string
	// Checked is false when the host could not be evaluated; Reason says why
	// (no credentials, not mapped to an instance, API error ...).
	Checked bool
	Reason  string
	Sources []CloudSource
}

// CloudSource is the verdict for one source address (auditor, client, bastion).
type CloudSource struct {
	Addr  string // IP address
	Label string // "auditor", "client" or "bastion"
	// SecurityGroup and NetworkACL are each nil when not evaluated.
	SecurityGroup *CloudVerdict
	NetworkACL    *CloudVerdict
}

// CloudVerdict is one mechanism's decision for one source.
type CloudVerdict struct {
	Allowed  bool
	Evidence []string // group ids and rules, ACL ids and rule numbers
	Fix      []string // exact commands that would lift the block
	// Assumption notes what was assumed (e.g. the client's ephemeral port range).
	Assumption string
}
