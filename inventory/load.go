package inventory

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// maxFileSize bounds what Load reads: a 10,000-host inventory is about 1 MB.
const maxFileSize = 32 << 20

type format int

const (
	formatPlain format = iota
	formatYAML         // resetaudit YAML or Ansible YAML, told apart after parsing
	formatINI          // Ansible INI
	formatSSHConfig
)

// Load reads the inventory file at path. The format is detected from the
// file name: .yml and .yaml are YAML (resetaudit's or Ansible's, told apart
// by their shape), .ini is Ansible INI, .conf, "config" and "ssh_config" are
// OpenSSH client configuration; otherwise from the content: a first line such
// as "key:" is YAML, [group] sections or ansible_* variables are INI, Host
// lines are ssh_config, and anything else is the plain format. Hosts defined
// more than once are merged, with a Warning. Every error is an *Error.
func Load(path string) ([]Host, []Warning, error) {
	return LoadAll([]string{path})
}

// LoadAll loads several inventory files in order. A host defined more than
// once (the same name, or the same address, port and user) is kept once, at
// its first place, with the union of its groups, and a Warning names both
// places.
func LoadAll(paths []string) ([]Host, []Warning, error) {
	var all []*builder
	for _, p := range paths {
		data, err := readFile(p)
		if err != nil {
			return nil, nil, err
		}
		b, err := parse(p, data, detect(p, data))
		if err != nil {
			return nil, nil, err
		}
		all = append(all, b)
	}
	hosts, warnings := merge(all)
	return hosts, warnings, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxFileSize+1)); err != nil {
		return nil, fileError(path, err)
	}
	if buf.Len() > maxFileSize {
		return nil, errorf(path, 0, "larger than %d MiB", maxFileSize>>20)
	}
	return buf.Bytes(), nil
}

func fileError(path string, err error) *Error {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Op + ": " + pe.Err.Error() // the path is already in File
	}
	return &Error{File: path, Msg: msg, Err: err}
}

// parse parses content in the given format; file names it in messages.
func parse(file string, data []byte, f format) (*builder, error) {
	b := &builder{file: file}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var err error
	switch f {
	case formatYAML:
		err = parseYAML(b, data)
	case formatINI:
		err = parseINI(b, data)
	case formatSSHConfig:
		err = parseSSHConfig(b, data)
	default:
		err = parsePlain(b, data)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

var (
	iniSection  = regexp.MustCompile(`(?m)^\s*\[[A-Za-z0-9_.-]+(:[A-Za-z]+)?\]\s*$`)
	iniVar      = regexp.MustCompile(`(?m)\sansible_[a-z_]+\s*=`)
	yamlKey     = regexp.MustCompile(`^(---|[A-Za-z0-9_.-]+:(\s|$))`)
	sshHostLine = regexp.MustCompile(`(?im)^\s*(host|match)(\s*=\s*|\s+)[^=\s]+(\s|$)`)
)

// detect tells the format of an inventory from its name, then its content.
func detect(file string, data []byte) format {
	base := strings.ToLower(filepath.Base(file))
	switch filepath.Ext(base) {
	case ".yml", ".yaml":
		return formatYAML
	case ".ini":
		return formatINI
	case ".conf":
		return formatSSHConfig
	}
	if base == "config" || base == "ssh_config" {
		return formatSSHConfig
	}
	switch {
	case yamlKey.Match(firstSignificantLine(data)):
		return formatYAML
	case iniSection.Match(data) || iniVar.Match(data):
		return formatINI
	case sshHostLine.Match(data):
		return formatSSHConfig
	}
	return formatPlain
}

func firstSignificantLine(data []byte) []byte {
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return line
		}
	}
	return nil
}

// merge concatenates the hosts of several files, merging duplicates.
func merge(files []*builder) ([]Host, []Warning) {
	type place struct {
		file string
		line int
	}
	var (
		hosts    []Host
		places   []place
		warnings []Warning
		byName   = map[string]int{}
		byTarget = map[string]int{}
	)
	for _, b := range files {
		warnings = append(warnings, b.warnings...)
		for i, h := range b.hosts {
			target := h.User + "@" + h.Address + ":" + strconv.Itoa(h.Port)
			j, dup := byName[h.Name]
			if !dup {
				j, dup = byTarget[target]
			}
			if !dup {
				byName[h.Name] = len(hosts)
				byTarget[target] = len(hosts)
				hosts = append(hosts, h)
				places = append(places, place{b.file, b.lines[i]})
				continue
			}
			first := &hosts[j]
			first.Groups = uniq(append(first.Groups, h.Groups...))
			warnings = append(warnings, Warning{
				File: b.file,
				Line: b.lines[i],
				Msg: "host " + strconv.Quote(h.Name) + " is already defined at " +
					places[j].file + ":" + strconv.Itoa(places[j].line) + "; groups merged, other settings of the first kept",
			})
		}
	}
	return hosts, warnings
}
