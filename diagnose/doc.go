// Package diagnose turns what was learned about one host into findings: the
// cause catalog of resetaudit and the rules that map probe symptoms, collected
// facts and cloud verdicts to causes, with evidence, a fix and an explanation.
//
// Everything here is a pure function of its Input: no I/O, no clock, no
// global state. Strings that came from a host (log lines, rules, errors) are
// passed through as evidence data and never interpreted; fixes are built only
// from values the package controls or has parsed into typed addresses and
// numbers.
package diagnose
