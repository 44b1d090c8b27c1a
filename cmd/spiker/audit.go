package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spikerperak/spiker"
)

// runAudit is `spiker audit verify|anchor|list`.
func runAudit(ctx context.Context, cio cmdIO, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: use `spiker audit verify`, `spiker audit anchor` or `spiker audit list`", errUsage)
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, cio, args[1:])
	case "anchor":
		return auditAnchor(ctx, cio, args[1:])
	case "list":
		return auditList(ctx, cio, args[1:])
	}
	return fmt.Errorf("%w: unknown `audit %s`; use verify, anchor or list", errUsage, args[0])
}

// auditVerify walks the chain and checks the authenticated head; with
// --anchor, also that the chain still holds the anchored entry.
func auditVerify(ctx context.Context, cio cmdIO, args []string) error {
	var anchorArg string
	m, err := newMain(cio, "audit verify", args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&anchorArg, "anchor", "", "an anchor printed by `spiker audit anchor` (or sent to the supervisors), or a file holding one")
	})
	if err != nil {
		return err
	}
	var anchor *spiker.AuditAnchor
	if anchorArg != "" {
		text := anchorArg
		if !strings.Contains(anchorArg, "spiker-audit-anchor") {
			b, err := os.ReadFile(anchorArg)
			if err != nil {
				return fmt.Errorf("%w: --anchor is neither an anchor nor a readable file: %v", errUsage, err)
			}
			text = string(b)
		}
		a, err := spiker.ParseAuditAnchor(text)
		if err != nil {
			return fmt.Errorf("%w: %s", errUsage, spiker.ErrorMessage(err))
		}
		anchor = &a
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	var n int64
	if anchor != nil {
		n, err = m.Audit.VerifyAuditAnchor(ctx, *anchor)
	} else {
		n, err = m.Audit.VerifyAudit(ctx)
	}
	if err != nil {
		return fmt.Errorf("the audit log is NOT intact: %s", spiker.ErrorMessage(err))
	}
	fmt.Fprintf(cio.stdout, "The audit log is intact: %d entries, every link checked, the head authenticated.\n", n)
	if anchor != nil {
		fmt.Fprintf(cio.stdout, "It still holds entry %d as anchored at %s.\n", anchor.Seq, anchor.At.In(m.Clock.Zone()).Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// auditAnchor prints a signed digest of the chain head, to be kept away
// from the database (printed, mailed, written down).
func auditAnchor(ctx context.Context, cio cmdIO, args []string) error {
	m, err := newMain(cio, "audit anchor", args, false, nil)
	if err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	a, err := m.Audit.AnchorAudit(ctx)
	if err != nil {
		return fmt.Errorf("the audit log is NOT intact, no anchor made: %s", spiker.ErrorMessage(err))
	}
	fmt.Fprintln(cio.stdout, a.String())
	fmt.Fprintf(cio.stderr, "Anchor of entry %d at %s. Keep it away from the database; `spiker audit verify --anchor` checks the log against it.\n",
		a.Seq, a.At.In(m.Clock.Zone()).Format("2006-01-02 15:04 MST"))
	return nil
}

// auditList prints who did what to which record, when and why, newest
// first. The listing is itself in the audit log.
func auditList(ctx context.Context, cio cmdIO, args []string) error {
	var f spiker.AuditFilter
	var record, from, to string
	m, err := newMain(cio, "audit list", args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&f.Actor, "user", "", "only what this username did")
		fs.StringVar(&record, "record", "", "only this record: KIND/ID (report/ID, case/ID, user/ID) or KIND")
		fs.StringVar(&f.Action, "action", "", "only this action (report.read), or a family ending in a dot (case.)")
		fs.StringVar(&from, "from", "", "from this day (YYYY-MM-DD, local time) or time (RFC 3339)")
		fs.StringVar(&to, "to", "", "up to and including this day, or up to this time")
		fs.IntVar(&f.Limit, "limit", 50, "at most this many entries (up to 500)")
		fs.Int64Var(&f.Before, "before", 0, "only entries older than this number (the next page)")
	})
	if err != nil {
		return err
	}
	f.RecordKind, f.RecordID, _ = strings.Cut(record, "/")
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	if f.From, err = auditTime(from, m, false); err != nil {
		return err
	}
	if f.To, err = auditTime(to, m, true); err != nil {
		return err
	}
	entries, err := m.Audit.FindAudit(ctx, spiker.Console, f)
	if err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	w := tabwriter.NewWriter(cio.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "#\tWHEN\tWHO\tROLES\tWHAT\tRECORD\tWHY")
	for _, e := range entries {
		rec := e.RecordKind
		if e.RecordID != "" {
			rec += "/" + e.RecordID
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.In(m.Clock.Zone()).Format("2006-01-02 15:04:05"),
			e.Actor, e.Roles, e.Action, rec, oneLine(e.Reason))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(entries) == f.Limit && f.Limit > 0 {
		fmt.Fprintf(cio.stderr, "More entries: add --before %d.\n", entries[len(entries)-1].Seq)
	}
	return nil
}

// auditTime reads --from or --to: a day in the deployment's zone (--to
// takes the whole day) or an RFC 3339 time.
func auditTime(s string, m *Main, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, m.Clock.Zone())
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is neither a day (YYYY-MM-DD) nor a time (RFC 3339)", errUsage, s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
