package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/resetaudit/resetaudit/result"
)

// WriteJSON writes r as indented JSON in the resetaudit/v1 schema. The output
// is valid UTF-8 whatever the hosts sent (encoding/json replaces invalid
// bytes with U+FFFD), and lists are [] rather than null so that consumers
// can iterate without checks.
func WriteJSON(w io.Writer, r *result.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalized(r)); err != nil {
		return fmt.Errorf("report: writing JSON: %w", err)
	}
	return nil
}

// ReadJSON reads a JSON report and checks its schema. name is used in errors
// (a file name, or "-" for stdin).
func ReadJSON(rd io.Reader, name string) (*result.Report, error) {
	var r result.Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: not a resetaudit JSON report: %w", name, err)
	}
	if r.Schema != result.Schema {
		if r.Schema == "" {
			return nil, fmt.Errorf("%s: not a resetaudit JSON report: no schema field", name)
		}
		return nil, fmt.Errorf("%s: unsupported report schema %q (want %q)", name, r.Schema, result.Schema)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: trailing data after the report", name)
	}
	return &r, nil
}

// normalized returns a copy of r with the schema set and nil lists made empty.
func normalized(r *result.Report) *result.Report {
	c := *r
	c.Schema = result.Schema
	c.ClientIPs = nonNil(c.ClientIPs)
	c.Auditor.SourceAddresses = nonNil(c.Auditor.SourceAddresses)
	if c.Summary.ByCause == nil {
		c.Summary.ByCause = map[string]int{}
	}
	c.Hosts = make([]result.Host, len(r.Hosts))
	for i, h := range r.Hosts {
		h.Groups = nonNil(h.Groups)
		if h.Coverage == nil {
			h.Coverage = map[string]string{}
		}
		h.Findings = normalizedFindings(h.Findings, true)
		if h.Resolved != nil {
			h.Resolved = normalizedFindings(h.Resolved, false)
		}
		c.Hosts[i] = h
	}
	return &c
}

func normalizedFindings(fs []result.Finding, always bool) []result.Finding {
	if fs == nil && !always {
		return nil
	}
	out := make([]result.Finding, len(fs))
	for i, f := range fs {
		f.Evidence = nonNil(f.Evidence)
		f.Fix = nonNil(f.Fix)
		out[i] = f
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
