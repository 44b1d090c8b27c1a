package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestAuditCommands: `audit list` filters, `audit anchor` and `audit verify
// --anchor` round-trip, and a cut-back tail with a rewound head is caught by
// plain verify and named by verify against the anchor.
func TestAuditCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		dir := t.TempDir()
		base := append([]string{"--data", dir}, dbArgs(dbURL)...)
		env := map[string]string{"SPIKER_AUTO_MIGRATE": "true"}
		cli := func(args ...string) (int, string, string) {
			return runCLI(t, "tubruk pasar sapi kabut\n", env, append(args, base...)...)
		}
		_, officerLink, _ := cli("user", "add", "--username", "konselor.satu", "--role", "konselor_piket")
		_, supLink, _ := cli("user", "add", "--username", "supervisor.satu", "--role", "supervisor")
		m := &Main{Config: Config{DataDir: dir, DB: postgresOnly(dbURL), Region: "35.24"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := m.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		for _, link := range []string{officerLink, supLink} {
			if _, err := enrolLink(m, link, "tubruk pasar sapi kabut"); err != nil {
				t.Fatal(err)
			}
		}
		officer, err := m.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for range 3 {
			r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.01", ReporterRole: spiker.ReporterSaksi,
				ViolenceTypes: []string{"Lainnya"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "cerita rahasia"}}
			if _, err := m.Reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Reports.FindReport(ctx, officer, r.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}

		code, stdout, stderr := cli("audit", "list", "--user", "konselor.satu", "--action", "report.read")
		if code != 0 || strings.Count(stdout, "report.read ") != 3 || strings.Contains(stdout, "report.create") {
			t.Fatalf("list by user and action: %d %q %q", code, stdout, stderr)
		}
		if strings.Contains(stdout, "rahasia") {
			t.Fatal("protected content listed")
		}
		code, stdout, _ = cli("audit", "list", "--record", "report/"+ids[1])
		if code != 0 || !strings.Contains(stdout, "report.create") || !strings.Contains(stdout, "report.read") ||
			strings.Contains(stdout, ids[0]) || strings.Contains(stdout, ids[2]) {
			t.Fatalf("list by record: %d %q", code, stdout)
		}
		code, stdout, stderr = cli("audit", "list", "--action", "report.", "--limit", "2")
		if code != 0 || strings.Count(stdout, "\n") != 3 || !strings.Contains(stderr, "--before") {
			t.Fatalf("list with a limit: %d %q %q", code, stdout, stderr)
		}
		if code, stdout, _ = cli("audit", "list", "--from", "2000-01-01", "--to", "2000-12-31"); code != 0 || strings.Count(stdout, "\n") != 1 {
			t.Fatalf("list of a period with nothing: %d %q", code, stdout)
		}
		if code, _, stderr = cli("audit", "list", "--from", "yesterday"); code != 2 || !strings.Contains(stderr, "neither a day") {
			t.Fatalf("a bad period: %d %q", code, stderr)
		}
		// The listings are themselves in the log.
		if code, stdout, _ = cli("audit", "list", "--user", "console", "--action", "audit.read"); code != 0 || strings.Count(stdout, "audit.read") < 4 {
			t.Fatalf("listings audited: %d %q", code, stdout)
		}

		code, anchor, stderr := cli("audit", "anchor")
		if code != 0 || !strings.HasPrefix(anchor, "spiker-audit-anchor-v1:") {
			t.Fatalf("anchor: %d %q %q", code, anchor, stderr)
		}
		anchor = strings.TrimSpace(anchor)
		file := filepath.Join(t.TempDir(), "anchor.txt")
		os.WriteFile(file, []byte("Jangkar log audit hari ini:\n"+anchor+"\n"), 0o600)
		for _, a := range []string{anchor, file} {
			if code, stdout, stderr := cli("audit", "verify", "--anchor", a); code != 0 || !strings.Contains(stdout, "still holds entry") {
				t.Fatalf("verify against the anchor %s: %d %q %q", a, code, stdout, stderr)
			}
		}
		if code, _, stderr := cli("audit", "verify", "--anchor", "spiker-audit-anchor-v1:garbage"); code != 2 || !strings.Contains(stderr, "not an audit anchor") {
			t.Fatalf("a garbled anchor: %d %q", code, stderr)
		}
		a, _ := spiker.ParseAuditAnchor(anchor)

		// Cut the tail and rewind the head to the new last entry.
		keep := a.Seq - 2
		err = m.DB.Update(ctx, func(tx *sqldb.Tx) error {
			stmts := []string{`DROP TRIGGER audit_log_no_delete`}
			if tx.Dialect() == sqldb.Postgres {
				stmts[0] = `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`
			}
			stmts = append(stmts, fmt.Sprintf(`DELETE FROM audit_log WHERE seq > %d`, keep),
				fmt.Sprintf(`UPDATE audit_head SET seq = %[1]d, hash = (SELECT hash FROM audit_log WHERE seq = %[1]d)`, keep))
			for _, q := range stmts {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := cli("audit", "verify"); code != 1 || !strings.Contains(stderr, "the audit head is not authenticated") {
			t.Fatalf("verify after a cut-back tail and a rewound head: %d %q", code, stderr)
		}
		want := fmt.Sprintf("the log has been cut back: anchored entry %d", a.Seq)
		if code, _, stderr := cli("audit", "verify", "--anchor", anchor); code != 1 || !strings.Contains(stderr, want) {
			t.Fatalf("verify against the anchor after the cut: %d %q", code, stderr)
		}
		if code, _, stderr := cli("audit", "anchor"); code != 1 || !strings.Contains(stderr, "no anchor made") {
			t.Fatalf("anchoring a broken log: %d %q", code, stderr)
		}
	})
}

// TestDailyAnchorInProgram: the running program's job runner makes the
// audit anchor at 01:00 local time, once, and the supervisor finds it among
// their alerts; the digest verifies with `spiker audit verify --anchor`.
func TestDailyAnchorInProgram(t *testing.T) {
	t.Parallel()
	// 23:59:30 WIB on the 7th: the first anchor is due at 01:00 on the 8th.
	// The clock jumps past it and past the 9th's: one anchor is made, not
	// one for each day missed.
	clock := clockAt(time.Date(2026, 12, 7, 23, 59, 30, 0, spiker.TimeZone("35.24")))
	dir := t.TempDir()
	m, _ := startMain(t, dir, "", func(c *Config) { c.Clock = clock.Now })
	sup := addStaff(t, m, "kepala.uptd", spiker.RoleSupervisor)
	officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
	anchors := func(a *spiker.Actor) []string { return storetest.Anchors(t, m.Store, a) }
	clock.Add(25*time.Hour + time.Minute) // 01:00:30 on the 9th
	m.Jobs.Wake()
	deadline := time.Now().Add(20 * time.Second)
	for len(anchors(sup)) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	got := anchors(sup)
	if len(got) != 1 || len(anchors(officer)) != 0 {
		t.Fatalf("anchors: supervisor %v, officer %v", got, anchors(officer))
	}
	time.Sleep(1500 * time.Millisecond) // room for a wrong second run
	if n := len(anchors(sup)); n != 1 {
		t.Fatalf("%d anchors on one day", n)
	}
	code, stdout, stderr := runCLI(t, "", nil, "audit", "verify", "--data", dir, "--anchor", got[0])
	if code != 0 || !strings.Contains(stdout, "still holds entry") {
		t.Fatalf("verify against the sent anchor: %d %q %q", code, stdout, stderr)
	}
}
