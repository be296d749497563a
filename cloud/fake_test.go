package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/cloud/cloudtest"
)

// fakeEC2 is an httptest server speaking the EC2 query protocol: a form
// POST with Action=..., answered with XML. Its handler decides each answer
// from the action, the form and the attempt number, so tests can inject
// throttling, errors, pages and silence.
type fakeEC2 struct {
	*httptest.Server
	mu       sync.Mutex
	attempts map[string]int // per action
	tokens   []string       // NextToken of each DescribeInstances request
	answer   func(w http.ResponseWriter, r *http.Request, action string, attempt int)
}

func newFakeEC2(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, action string, attempt int)) *fakeEC2 {
	f := &fakeEC2{attempts: map[string]int{}, answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		action := r.PostForm.Get("Action")
		f.mu.Lock()
		f.attempts[action]++
		n := f.attempts[action]
		if action == "DescribeInstances" {
			f.tokens = append(f.tokens, r.PostForm.Get("NextToken"))
		}
		f.mu.Unlock()
		f.answer(w, r, action, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeEC2) attemptsOf(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[action]
}

// fakeAWS returns an AWS client for the fake server with short backoff, so
// retries cost milliseconds.
func fakeAWS(t *testing.T, f *fakeEC2) *AWS {
	t.Helper()
	cloudtest.Hermetic(t, "us-east-1")
	a, err := NewAWS(context.Background(), AWSOptions{Endpoint: f.URL, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func ec2Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req-1</RequestID></Response>`, code, msg)
}

// instancesXML is a DescribeInstances page of instances numbered from..to-1,
// instance n at 10.0.(n/250).(n%250+1) in subnet-1 with group sg-web.
func instancesXML(from, to int, next string) string {
	var b strings.Builder
	b.WriteString(`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet>`)
	for n := from; n < to; n++ {
		fmt.Fprintf(&b, `<item><instanceId>i-%06d</instanceId><instanceState><code>16</code><name>running</name></instanceState>`+
			`<privateIpAddress>%s</privateIpAddress><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId>`+
			`<groupSet><item><groupId>sg-web</groupId><groupName>web</groupName></item></groupSet>`+
			`<tagSet><item><key>Name</key><value>web-%d</value></item></tagSet></item>`, n, fakeAddr(n), n)
	}
	b.WriteString(`</instancesSet></item></reservationSet>`)
	if next != "" {
		fmt.Fprintf(&b, `<nextToken>%s</nextToken>`, next)
	}
	b.WriteString(`</DescribeInstancesResponse>`)
	return b.String()
}

func fakeAddr(n int) string { return fmt.Sprintf("10.0.%d.%d", n/250, n%250+1) }

const groupsXML = `<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><securityGroupInfo>
<item><groupId>sg-web</groupId><groupName>web</groupName><vpcId>vpc-1</vpcId><ipPermissions>
<item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><ipRanges><item><cidrIp>10.0.0.0/8</cidrIp></item></ipRanges></item>
</ipPermissions></item></securityGroupInfo></DescribeSecurityGroupsResponse>`

const aclsXML = `<DescribeNetworkAclsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><networkAclSet>
<item><networkAclId>acl-default</networkAclId><vpcId>vpc-1</vpcId><default>true</default><entrySet>
<item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
<item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
<item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
<item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
</entrySet><associationSet/></item></networkAclSet></DescribeNetworkAclsResponse>`

// fleetServer answers a fleet of n instances in pages of pageSize.
func fleetServer(n, pageSize int) func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
	return func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
		w.Header().Set("Content-Type", "text/xml")
		switch action {
		case "DescribeInstances":
			from := 0
			if tok := r.PostForm.Get("NextToken"); tok != "" {
				from, _ = strconv.Atoi(strings.TrimPrefix(tok, "page-"))
			}
			to, next := min(from+pageSize, n), ""
			if to < n {
				next = "page-" + strconv.Itoa(to)
			}
			fmt.Fprint(w, instancesXML(from, to, next))
		case "DescribeSecurityGroups":
			fmt.Fprint(w, groupsXML)
		case "DescribeNetworkAcls":
			fmt.Fprint(w, aclsXML)
		default:
			ec2Error(w, http.StatusBadRequest, "InvalidAction", "unexpected action "+action)
		}
	}
}

func fakeHosts(n int) []HostQuery {
	src := []Source{{Addr: netip.MustParseAddr("10.9.0.1"), Label: "auditor"}, {Addr: netip.MustParseAddr("203.0.113.7"), Label: "client"}}
	hosts := make([]HostQuery, n)
	for i := range hosts {
		hosts[i] = HostQuery{Key: "h" + strconv.Itoa(i), Address: fakeAddr(i), Sources: src}
	}
	return hosts
}

func TestFakePaginationAndScale(t *testing.T) {
	tests := []struct {
		instances, pageSize int
		wantPages           int
	}{
		{3, 2, 2}, // NextToken followed
		{1000, 1000, 1},
		{2500, 1000, 3},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.instances), func(t *testing.T) {
			f := newFakeEC2(t, fleetServer(tt.instances, tt.pageSize))
			a := fakeAWS(t, f)
			hosts := fakeHosts(tt.instances)
			got, stats, err := a.Check(context.Background(), hosts)
			if err != nil {
				t.Fatal(err)
			}
			// The auditor (10.x) is admitted, the client refused by sg-web.
			for _, h := range hosts {
				c := got[h.Key]
				if c == nil || !c.Checked || len(c.Sources) != 2 ||
					!c.Sources[0].SecurityGroup.Allowed || c.Sources[1].SecurityGroup.Allowed ||
					!c.Sources[0].NetworkACL.Allowed || !c.Sources[1].NetworkACL.Allowed {
					t.Fatalf("%s: %+v", h.Key, c)
				}
			}
			want := map[string]int{"DescribeInstances": tt.wantPages, "DescribeSecurityGroups": 1, "DescribeNetworkAcls": 1}
			if !mapsEqual(stats.Calls, want) || stats.Retries != 0 || stats.Regions != 1 {
				t.Errorf("stats %+v, want calls %v", stats, want)
			}
			if n := f.attemptsOf("DescribeInstances"); n != tt.wantPages {
				t.Errorf("server saw %d DescribeInstances, want %d", n, tt.wantPages)
			}
			if tt.wantPages == 2 && (f.tokens[0] != "" || f.tokens[1] != "page-2") {
				t.Errorf("NextTokens sent %q, want [\"\" page-2]", f.tokens)
			}
			t.Logf("%d instances: %d API calls %v", tt.instances, stats.Calls["DescribeInstances"]+2, stats.Calls)
		})
	}
}

func TestFakeThrottledThenSucceeds(t *testing.T) {
	fleet := fleetServer(2, 1000)
	f := newFakeEC2(t, func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
		if action == "DescribeInstances" && attempt <= 2 {
			ec2Error(w, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
			return
		}
		fleet(w, r, action, attempt)
	})
	got, stats, err := fakeAWS(t, f).Check(context.Background(), fakeHosts(2))
	if err != nil {
		t.Fatal(err)
	}
	if !got["h0"].Checked || !got["h1"].Checked {
		t.Errorf("not checked: %+v %+v", got["h0"], got["h1"])
	}
	if stats.Retries != 2 || stats.Calls["DescribeInstances"] != 1 || f.attemptsOf("DescribeInstances") != 3 {
		t.Errorf("stats %+v, server attempts %d; want 2 retries of 1 call, 3 attempts", stats, f.attemptsOf("DescribeInstances"))
	}
}

func TestFakeAPIErrors(t *testing.T) {
	tests := []struct {
		name       string
		action     string // the action that fails; the others answer
		status     int
		code, body string // error code, or a raw body when code is ""
		reason     string // substring of every host's Reason and of the error
		attempts   int    // attempts the server saw for action
	}{
		{"throttled past retries", "DescribeInstances", 503, "RequestLimitExceeded", "",
			"aws us-east-1: DescribeInstances throttled (RequestLimitExceeded) after 3 attempts", 3},
		{"access denied", "DescribeInstances", 403, "UnauthorizedOperation", "",
			"aws us-east-1: access denied to ec2:DescribeInstances", 1},
		{"access denied to groups", "DescribeSecurityGroups", 403, "UnauthorizedOperation", "",
			"access denied to ec2:DescribeSecurityGroups", 1},
		{"credentials rejected", "DescribeNetworkAcls", 401, "AuthFailure", "",
			"credentials rejected calling DescribeNetworkAcls (AuthFailure)", 1},
		{"malformed XML", "DescribeInstances", 200, "", `<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1`,
			"aws us-east-1: DescribeInstances: operation error EC2: DescribeInstances", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fleet := fleetServer(2, 1000)
			f := newFakeEC2(t, func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
				switch {
				case action != tt.action:
					fleet(w, r, action, attempt)
				case tt.code != "":
					ec2Error(w, tt.status, tt.code, "You are not authorized to perform this operation.")
				default:
					w.Header().Set("Content-Type", "text/xml")
					fmt.Fprint(w, tt.body)
				}
			})
			hosts := fakeHosts(2)
			got, _, err := fakeAWS(t, f).Check(context.Background(), hosts)
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error = %v, want it to contain %q", err, tt.reason)
			}
			if len(got) != len(hosts) {
				t.Fatalf("got %d results for %d hosts", len(got), len(hosts))
			}
			for _, h := range hosts {
				if c := got[h.Key]; c.Checked || !strings.Contains(c.Reason, tt.reason) {
					t.Errorf("%s: Checked %v, Reason %q; want not checked, %q", h.Key, c.Checked, c.Reason, tt.reason)
				}
			}
			if n := f.attemptsOf(tt.action); n != tt.attempts {
				t.Errorf("server saw %d %s, want %d", n, tt.action, tt.attempts)
			}
		})
	}
}

func TestFakeDeadline(t *testing.T) {
	release := make(chan struct{})
	f := newFakeEC2(t, func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
		select { // never answers
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	a := fakeAWS(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	got, _, err := a.Check(ctx, fakeHosts(1))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Check returned after %v, deadline was 200ms", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want a deadline error", err)
	}
	if c := got["h0"]; c == nil || c.Checked || !strings.Contains(c.Reason, "DescribeInstances timed out") {
		t.Errorf("h0 = %+v, want not checked, timed out", c)
	}
}

func TestNewAWSNoCredentials(t *testing.T) {
	cloudtest.Hermetic(t, "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := NewAWS(ctx, AWSOptions{})
	if err == nil || !strings.Contains(err.Error(), "no usable credentials") {
		t.Errorf("NewAWS error = %v, want no usable credentials", err)
	}
}

func TestNewAWSNoRegion(t *testing.T) {
	cloudtest.Hermetic(t, "")
	_, err := NewAWS(context.Background(), AWSOptions{})
	if err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("NewAWS error = %v, want no region", err)
	}
}

// regionOf returns the region a request was signed for.
func regionOf(r *http.Request) string {
	// Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/ec2/aws4_request, ...
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	parts := strings.Split(cred, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func TestFakeRegions(t *testing.T) {
	tests := []struct {
		name       string
		eastDenied bool
		wantReason string // of the host in no region
		wantErr    string
		wantCalls  map[string]int
	}{
		{"found in second region", false,
			"no EC2 instance has address 10.9.9.9 in us-east-1, eu-west-1", "",
			map[string]int{"DescribeInstances": 2, "DescribeSecurityGroups": 1, "DescribeNetworkAcls": 1}},
		{"first region denied", true,
			"no EC2 instance has address 10.9.9.9 in eu-west-1; aws us-east-1: access denied to ec2:DescribeInstances", "access denied",
			map[string]int{"DescribeInstances": 2, "DescribeSecurityGroups": 1, "DescribeNetworkAcls": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fleet, empty := fleetServer(1, 1000), fleetServer(0, 1000)
			f := newFakeEC2(t, func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
				switch {
				case regionOf(r) == "eu-west-1":
					fleet(w, r, action, attempt)
				case tt.eastDenied:
					ec2Error(w, http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation.")
				default:
					empty(w, r, action, attempt)
				}
			})
			cloudtest.Hermetic(t, "us-east-1")
			a, err := NewAWS(context.Background(), AWSOptions{Endpoint: f.URL, Regions: []string{"us-east-1", "eu-west-1"}, MaxBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			hosts := append(fakeHosts(1), HostQuery{Key: "nowhere", Address: "10.9.9.9"})
			got, stats, err := a.Check(context.Background(), hosts)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
			if c := got["h0"]; !c.Checked || c.Region != "eu-west-1" || c.InstanceID != "i-000000" {
				t.Errorf("h0 = %+v, want checked in eu-west-1 as i-000000", c)
			}
			if c := got["nowhere"]; c.Checked || !strings.HasPrefix(c.Reason, tt.wantReason) {
				t.Errorf("nowhere: Checked %v, Reason %q; want %q", c.Checked, c.Reason, tt.wantReason)
			}
			if stats.Regions != 2 || !mapsEqual(stats.Calls, tt.wantCalls) {
				t.Errorf("stats %+v, want calls %v in 2 regions", stats, tt.wantCalls)
			}
		})
	}
}
