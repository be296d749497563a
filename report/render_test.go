package report

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/resetaudit/resetaudit/result"
)

func TestWriteJSONGoldenAndRoundTrip(t *testing.T) {
	r := fixture()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", buf.Bytes())
	if !utf8.Valid(buf.Bytes()) {
		t.Error("JSON output is not valid UTF-8")
	}
	got, err := ReadJSON(bytes.NewReader(buf.Bytes()), "fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Hosts) != len(r.Hosts) || got.Summary.WithFindings != r.Summary.WithFindings {
		t.Fatalf("round trip lost data: %d hosts, %d with findings", len(got.Hosts), got.Summary.WithFindings)
	}
	if got.Hosts[4].Name != hostileName || got.Hosts[4].Findings[0].Evidence[9] != hostileBreak {
		t.Errorf("hostile strings changed in the round trip: %q", got.Hosts[4].Name)
	}
	if ev := got.Hosts[4].Findings[0].Evidence[6]; ev != "bad utf8 \uFFFD end" {
		t.Errorf("invalid UTF-8 round-tripped as %q, want U+FFFD", ev)
	}
	// Once read, a report is stable: reading and writing changes nothing.
	var again bytes.Buffer
	if err := WriteJSON(&again, got); err != nil {
		t.Fatal(err)
	}
	got2, err := ReadJSON(bytes.NewReader(again.Bytes()), "again.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, got2) {
		t.Error("a report read back and written again reads differently")
	}
}

func TestReadJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"garbage", "not json", "base.json: not a resetaudit JSON report"},
		{"no schema", `{"hosts":[]}`, "base.json: not a resetaudit JSON report: no schema field"},
		{"other schema", `{"schema":"resetaudit/v9"}`, `base.json: unsupported report schema "resetaudit/v9"`},
		{"trailing", `{"schema":"resetaudit/v1"} {}`, "base.json: trailing data"},
		{"empty", ``, "base.json: not a resetaudit JSON report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tc.in), "base.json")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestWriteJSONEmptyListsAreArrays(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, &result.Report{Hosts: []result.Host{{Name: "a"}}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"schema": "resetaudit/v1"`, `"client_ips": []`, `"findings": []`, `"groups": []`, `"coverage": {}`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "null") {
		t.Errorf("JSON has null:\n%s", out)
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.csv", buf.Bytes())
	if !utf8.Valid(buf.Bytes()) || bytes.IndexByte(buf.Bytes(), 0) >= 0 {
		t.Error("CSV is not valid UTF-8 or holds NUL")
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if got := strings.Join(rows[0], ","); got != "host,address,groups,cause,severity,status,change,title,evidence,fix,client_ip" {
		t.Errorf("header %q", got)
	}
	// 2 + 0 + 2 + 1 + 1 findings: web-2 has none; unreachable app-3 has one.
	if len(rows) != 1+6 {
		t.Fatalf("%d data rows, want 6", len(rows)-1)
	}
	hosts := map[string]bool{}
	for _, row := range rows[1:] {
		hosts[row[0]] = true
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q is not defused", c)
			}
		}
	}
	if hosts["web-2"] || !hosts["app-3"] {
		t.Errorf("rows for hosts %v: want app-3 and not web-2", hosts)
	}
	hostile := rows[len(rows)-1]
	if hostile[1] != "10.0.6.6" || hostile[9] != `'=cmd|' /C calc'!A0` {
		t.Errorf("hostile row %q", hostile)
	}
	if ev := strings.Split(hostile[8], "\n"); ev[0] != `'=HYPERLINK("http://x")` {
		t.Errorf("evidence cell starts %q", ev[0])
	}
}

func TestSpreadsheet(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"plain":         "plain",
		"=1+1":          "'=1+1",
		"+cmd":          "'+cmd",
		"-2+3":          "'-2+3",
		"@SUM(A1)":      "'@SUM(A1)",
		"\tTAB":         "'\tTAB",
		"\rCR":          "'\rCR",
		"a=b":           "a=b",
		"\xff=x":        "\uFFFD=x",
		"\x00=HYPER":    "'=HYPER",
		"10.0.0.1":      "10.0.0.1",
		"fail2ban\x00x": "fail2banx",
	} {
		if got := Spreadsheet(in); got != want {
			t.Errorf("Spreadsheet(%q) = %q, want %q", in, got, want)
		}
	}
}
