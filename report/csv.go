package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/resetaudit/resetaudit/result"
)

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{"host", "address", "groups", "cause", "severity", "status", "change", "title", "evidence", "fix", "client_ip"}

// WriteCSV writes one row per finding (RFC 4180, with a header row). Hosts
// without findings have no row. Evidence and fix lines are joined by
// newlines inside their cells, and every cell is defused against formula
// injection (see Spreadsheet).
func WriteCSV(w io.Writer, r *result.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("report: writing CSV: %w", err)
	}
	row := make([]string, len(csvHeader))
	for _, h := range r.Hosts {
		for _, f := range h.Findings {
			row[0] = h.Name
			row[1] = hostPort(h)
			row[2] = strings.Join(h.Groups, ",")
			row[3] = f.Cause
			row[4] = string(f.Severity)
			row[5] = string(f.Status)
			row[6] = f.Change
			row[7] = f.Title
			row[8] = strings.Join(f.Evidence, "\n")
			row[9] = strings.Join(f.Fix, "\n")
			row[10] = f.ClientIP
			for i := range row {
				row[i] = Spreadsheet(row[i])
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("report: writing CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: writing CSV: %w", err)
	}
	return nil
}
