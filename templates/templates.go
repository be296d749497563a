// Package templates embeds the files resetaudit ships inside its binary: the
// remote payload script and the HTML report template.
package templates

import _ "embed"

// Collect is the POSIX sh payload fed to `sh -s` on every host.
//
//go:embed collect.sh
var Collect string

// ReportHTML is the html/template source of the HTML report.
//
//go:embed report.html.tmpl
var ReportHTML string
