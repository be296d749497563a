package report

import (
	"context"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds the headless browser. The package may still be installing
// when tests start, so wait a little for it; under CI its absence fails.
func chromium(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if p, err := exec.LookPath("chromium"); err == nil {
			return p
		}
		if _, err := os.Stat("/usr/bin/chromium"); err == nil {
			return "/usr/bin/chromium"
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is required under CI=true and was not found")
	}
	t.Skip("chromium not installed")
	return ""
}

// runChromium runs one headless chromium with the flags that keep it off
// the network, and returns its stdout.
func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=3000",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("chromium timed out; stderr:\n%s", stderr.String())
		}
		t.Fatalf("chromium: %v; stderr:\n%s", err, stderr.String())
	}
	return string(out)
}

var (
	rowNameRe = regexp.MustCompile(`<tr class="hrow"[^>]*>.*?<td class="hname">(.*?)</td>`)
	tagRe     = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)`)
	attrRe    = regexp.MustCompile(`<[a-z][^>]*\son[a-z]+=`)
)

// allowedTags are the elements the template and its script create; any
// other element in the rendered page came from host data.
var allowedTags = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "header": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "p": true, "strong": true, "main": true, "section": true,
	"div": true, "figure": true, "figcaption": true, "svg": true, "text": true, "rect": true, "input": true,
	"select": true, "option": true, "label": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"th": true, "td": true, "span": true, "button": true, "noscript": true, "footer": true, "script": true,
	"dl": true, "dt": true, "dd": true, "pre": true,
}

func TestBrowserRendersHostileReport(t *testing.T) {
	bin := chromium(t)
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(renderHTML(t, fixture())), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, fragment string
		want           []string
	}{
		// Without a filter, hosts without findings (web-2) are hidden.
		{"default", "", []string{"web-1", "db-1", "app-3", html.EscapeString(hostileName)}},
		{"all", "#all=1", []string{"web-1", "web-2", "db-1", "app-3", html.EscapeString(hostileName)}},
		{"filter text", "#q=web-1", []string{"web-1"}},
		{"filter cause", "#cause=tcp_wrappers", []string{"db-1"}},
		{"filter severity and group", "#sev=high&group=app", []string{"app-3"}},
		{"filter hostile", "#q=alert&expand=1", []string{html.EscapeString(hostileName)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dom := runChromium(t, bin, "--dump-dom", "file://"+path+tc.fragment)
			var got []string
			for _, m := range rowNameRe.FindAllStringSubmatch(dom, -1) {
				got = append(got, m[1])
			}
			sortedGot := append([]string(nil), got...)
			if strings.Join(sortedGot, "|") == "" || !sameSet(got, tc.want) {
				t.Fatalf("rows %q, want %q", got, tc.want)
			}
			assertNoInjection(t, dom)
			if strings.Contains(tc.fragment, "expand=1") {
				// The hostile host's details are rendered, as text.
				for _, want := range []string{
					"&lt;img src=x onerror=alert(3)&gt;",
					html.EscapeString(hostileBreak),
					"=HYPERLINK(\"http://x\")",
					"&lt;b&gt;bold&lt;/b&gt; &amp; \ufffdoverride",
					"ansi \ufffd[31mred\ufffd[0m osc \ufffd]0;pwned\ufffd",
				} {
					if !strings.Contains(dom, want) {
						t.Errorf("expanded host lacks %q", want)
					}
				}
			}
			if tc.fragment != "" {
				return
			}
			for _, want := range []string{"Client 203.0.113.7", "Blocked on 2 host(s).", "fail2ban-client set sshd unbanip 203.0.113.7"} {
				if !strings.Contains(dom, want) {
					t.Errorf("client section lacks %q", want)
				}
			}
		})
	}
	t.Run("pages", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big.html")
		if err := os.WriteFile(big, []byte(renderHTML(t, bigReport(450))), 0o600); err != nil {
			t.Fatal(err)
		}
		dom := runChromium(t, bin, "--dump-dom", "file://"+big+"#all=1&page=2")
		rows := rowNameRe.FindAllStringSubmatch(dom, -1)
		if len(rows) != 50 || !strings.Contains(dom, "page 3 of 3") {
			t.Fatalf("last page has %d rows, want 50 (page 3 of 3)", len(rows))
		}
	})
	if os.Getenv("RESETAUDIT_ARTIFACTS") == "1" {
		dir, err := filepath.Abs(filepath.Join("testdata", "artifacts"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		png := filepath.Join(dir, "report.png")
		runChromium(t, bin, "--screenshot="+png, "--window-size=1400,3000", "file://"+path+"#all=1&expand=1")
		if fi, err := os.Stat(png); err != nil || fi.Size() == 0 {
			t.Fatalf("no screenshot at %s: %v", png, err)
		}
	}
}

func assertNoInjection(t *testing.T, dom string) {
	t.Helper()
	low := strings.ToLower(dom)
	for _, bad := range []string{"<script>alert", "<img", "<b>"} {
		if strings.Contains(low, bad) {
			t.Errorf("host data became markup: %q in the DOM", bad)
		}
	}
	if m := attrRe.FindString(low); m != "" {
		t.Errorf("host data became an event handler: %q", m)
	}
	if n := strings.Count(low, "<script"); n != 2 {
		t.Errorf("%d script elements in the DOM, want 2", n)
	}
	for _, m := range tagRe.FindAllStringSubmatch(dom, -1) {
		if !allowedTags[strings.ToLower(m[1])] {
			t.Errorf("unexpected element <%s> in the DOM", m[1])
		}
	}
}

func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	for _, w := range want {
		if seen[w] == 0 {
			return false
		}
		seen[w]--
	}
	return true
}
