// Package report renders a sweep's result.Report for people and programs: a
// terminal table, JSON (the interchange format of baselines and merges), CSV
// and a self-contained HTML page. It also compares a report with a baseline,
// merges the reports of several shards or vantage points, and keeps a
// directory of past reports.
//
// Renderers never re-diagnose: they present what diagnose decided. Every
// string that came from a host is untrusted, so each renderer defends its own
// medium: the table strips terminal control sequences, CSV defuses spreadsheet
// formulas, JSON is always valid UTF-8 and HTML goes through html/template and
// is only ever inserted into the page as text.
package report
