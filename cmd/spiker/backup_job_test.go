package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// pinnedClock reads what the test sets, and nothing else.
type pinnedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pinnedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *pinnedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// runNodes runs every due job on each of the runners until none is due,
// as several nodes polling one database would.
func runNodes(t *testing.T, runners ...*jobs.Runner) {
	t.Helper()
	for {
		total := 0
		for _, r := range runners {
			n, err := r.RunDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
		if total == 0 {
			return
		}
	}
}

// backupFiles lists the backup directory's file names, sorted.
func backupFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// backupNodes starts an instance with a pinned clock and scheduled backups
// into dir, and returns it with two runners of its jobs (two nodes).
func backupNodes(t *testing.T, region string, clk *pinnedClock, dir string, keep int, recipient string) (*Main, *syncBuffer, []*jobs.Runner) {
	t.Helper()
	m, logs := startMain(t, t.TempDir(), "", func(c *Config) {
		c.Region, c.NoJobs, c.Clock = region, true, clk.Now
		c.BackupDir, c.BackupKeep, c.BackupAgeRecipient = dir, keep, recipient
	})
	m.Store.PasswordArgon, m.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	if err := m.scheduleBackup(context.Background()); err != nil {
		t.Fatal(err)
	}
	var runners []*jobs.Runner
	for i := range 2 {
		r := m.newJobs()
		r.Node = fmt.Sprint("node-", i)
		runners = append(runners, r)
	}
	return m, logs, runners
}

// TestScheduledBackup pins the clock at night in each of Indonesia's zones
// (WIB, WITA, WIT) and runs two nodes' job runners from 29 November to 3
// December: the backup is made at 01:30 local, not a minute before, once a
// day however often and on however many nodes the jobs run (and after a
// restart's scheduling), named by the local date and time; the newest 3
// are kept across the month's end, and files not of the job's naming are
// never deleted.
func TestScheduledBackup(t *testing.T) {
	for _, tc := range []struct{ region, zone string }{{"35.24", "WIB"}, {"51.71", "WITA"}, {"91.71", "WIT"}} {
		t.Run(tc.zone, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			zone := spiker.TimeZone(tc.region)
			if name, _ := time.Date(2026, 11, 30, 1, 30, 0, 0, zone).Zone(); name != tc.zone {
				t.Fatalf("region %s is in %s, want %s", tc.region, name, tc.zone)
			}
			clk := &pinnedClock{t: time.Date(2026, 11, 29, 22, 0, 0, 0, zone)}
			dir := filepath.Join(t.TempDir(), "backups")
			os.MkdirAll(dir, 0o700)
			// Files the job must leave alone: another tool's, and names
			// close to its own.
			foreign := []string{"catatan.txt", "spiker-backup-manual.db", "spiker-backup-20200101-013000.db.bak"}
			for _, f := range foreign {
				os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
			}
			m, _, nodes := backupNodes(t, tc.region, clk, dir, 3, "")
			own := func() (names []string) {
				for _, f := range backupFiles(t, dir) {
					if !slices.Contains(foreign, f) {
						names = append(names, f)
					}
				}
				return names
			}
			var want []string
			for _, day := range []time.Time{
				time.Date(2026, 11, 30, 0, 0, 0, 0, zone),
				time.Date(2026, 12, 1, 0, 0, 0, 0, zone),
				time.Date(2026, 12, 2, 0, 0, 0, 0, zone),
				time.Date(2026, 12, 3, 0, 0, 0, 0, zone),
			} {
				at := func(h, min int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, min, 0, 0, zone) }
				for _, before := range []time.Time{at(0, 0), at(1, 0), at(1, 29)} {
					clk.Set(before)
					runNodes(t, nodes...)
					if got := own(); !slices.Equal(got, want) {
						t.Fatalf("at %s: %v, want %v (nothing new before 01:30)", before, got, want)
					}
				}
				clk.Set(at(1, 30))
				runNodes(t, nodes...)
				// A restart schedules again; other nodes and later hours run.
				if err := m.scheduleBackup(ctx); err != nil {
					t.Fatal(err)
				}
				runNodes(t, nodes[1], nodes[0])
				for _, later := range []time.Time{at(1, 31), at(3, 0), at(23, 59)} {
					clk.Set(later)
					runNodes(t, nodes...)
				}
				want = append(want, "spiker-backup-"+day.Format("20060102")+"-013000.db")
				if len(want) > 3 {
					want = want[1:]
				}
				if got := own(); !slices.Equal(got, want) {
					t.Fatalf("after %s: %v, want %v", day.Format(time.DateOnly), got, want)
				}
			}
			if got := backupFiles(t, dir); len(got) != 3+len(foreign) {
				t.Fatalf("the directory holds %v", got)
			}
			var done int
			if err := m.DB.View(ctx, func(tx *sqldb.Tx) error {
				return tx.Get(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'done'`, []any{jobBackup}, &done)
			}); err != nil || done != 4 {
				t.Fatalf("%d backup jobs done, want 4 (once a day): %v", done, err)
			}
			// A plain copy is an SQLite database with the instance's
			// schema, readable without the server.
			b, err := os.ReadFile(filepath.Join(dir, want[2]))
			if err != nil || !strings.HasPrefix(string(b), "SQLite format 3\x00") {
				t.Fatalf("the newest copy is not an SQLite file: %v", err)
			}
			if fi, _ := os.Stat(filepath.Join(dir, want[2])); fi.Mode().Perm() != 0o600 {
				t.Fatalf("a copy's mode is %v, want 0600", fi.Mode().Perm())
			}
		})
	}
}

// TestScheduledBackupEncrypted encrypts the daily copy to an age public
// key: the file holds no plaintext at all (no canary, no SQLite header, no
// table or region code: not even the clear metadata), no clear copy stays
// in the backup directory or the data directory, and `spiker restore
// --identity` restores it after its checks, where every receipt given
// before the backup opens its report. Without the identity, or with
// another, restore says so.
func TestScheduledBackupEncrypted(t *testing.T) {
	ctx := context.Background()
	zone := spiker.TimeZone("35.24")
	clk := &pinnedClock{t: time.Date(2026, 11, 30, 22, 0, 0, 0, zone)}
	key, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(t.TempDir(), "backup-key.txt")
	os.WriteFile(idFile, []byte("# created: by the test\n# public key: "+key.Recipient().String()+"\n"+key.String()+"\n"), 0o600)
	dir := filepath.Join(t.TempDir(), "offsite")
	m, logs, nodes := backupNodes(t, "35.24", clk, dir, 7, key.Recipient().String())

	const canary = "KANARI-CADANGAN-7731"
	var receipts, ids []string
	for i := range 5 {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Fisik"}, VictimAge: 20 + i, Consent: true,
			Content: spiker.ReportContent{Narrative: fmt.Sprint(canary, " cerita ", i), VictimName: canary + " Sari"}}
		rc, err := m.Reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		receipts, ids = append(receipts, rc), append(ids, r.ID)
	}

	clk.Set(time.Date(2026, 12, 1, 1, 30, 0, 0, zone))
	runNodes(t, nodes...)
	files := backupFiles(t, dir)
	if len(files) != 1 || files[0] != "spiker-backup-20261201-013000.db.age" {
		t.Fatalf("the backup directory holds %v, want one encrypted copy", files)
	}
	backup := filepath.Join(dir, files[0])
	b, _ := os.ReadFile(backup)
	if !strings.HasPrefix(string(b), "age-encryption.org/v1\n") {
		t.Fatal("the copy is not an age file")
	}
	body := string(b[strings.Index(string(b), "\n---"):])
	for _, clear := range []string{canary, "SQLite format", "CREATE TABLE", "reports", "audit_log", "35.24.22.1012", "35.24", "2026-11-30"} {
		if strings.Contains(body, clear) {
			t.Fatalf("the encrypted copy holds %q in the clear", clear)
		}
	}
	// The metadata is there once decrypted: the check above means something.
	plain, err := age.Decrypt(strings.NewReader(string(b)), key)
	if err != nil {
		t.Fatal(err)
	}
	if clear, _ := io.ReadAll(plain); !strings.HasPrefix(string(clear), "SQLite format 3\x00") || !strings.Contains(string(clear), "35.24.22.1012") {
		t.Fatal("the decrypted copy is not the database with its region codes")
	}
	for _, d := range []string{dir, m.Config.DataDir} {
		for _, f := range backupFiles(t, d) {
			if strings.HasPrefix(f, ".spiker-backup") {
				t.Fatalf("a temporary copy %s stayed in %s", f, d)
			}
			if d == dir && f != files[0] {
				t.Fatalf("%s is in the backup directory", f)
			}
		}
	}
	if strings.Contains(logs.String(), canary) || strings.Contains(logs.String(), key.String()) {
		t.Fatal("the log holds a canary or the identity")
	}

	// A report after the backup is not in it.
	late := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
		ViolenceTypes: []string{"Fisik"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "sesudah"}}
	lateReceipt, err := m.Reports.CreateReport(ctx, late, "")
	if err != nil {
		t.Fatal(err)
	}

	dir2 := t.TempDir()
	secret, _ := os.ReadFile(filepath.Join(m.Config.DataDir, "secret.json"))
	os.WriteFile(filepath.Join(dir2, "secret.json"), secret, 0o600)
	if code, _, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup); code == 0 || !strings.Contains(stderr, "--identity") {
		t.Fatalf("restoring an encrypted backup without an identity: %d %s", code, stderr)
	}
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	if code, _, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup, "--identity", otherFile); code == 0 ||
		!strings.Contains(stderr, "does not open this backup") || strings.Contains(stderr, other.String()) {
		t.Fatalf("restoring with another identity: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup, "--identity", backup); code == 0 || !strings.Contains(stderr, "not an age identity file") {
		t.Fatalf("restoring with a file that is no identity: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir2, "spiker.db")); err == nil {
		t.Fatal("a refused restore left a database")
	}
	if code, out, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup, "--identity", idFile); code != 0 || !strings.Contains(out, "audit log is intact") {
		t.Fatalf("restore with the identity: %d %s %s", code, out, stderr)
	}
	m2, _ := startMain(t, dir2, "", func(c *Config) { c.NoJobs, c.Clock = true, clk.Now })
	m2.Store.PasswordArgon, m2.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	for i, rc := range receipts {
		r, err := m2.Reports.FindReportByReceipt(ctx, rc, fmt.Sprint("client-", i))
		if err != nil || r.ID != ids[i] || !strings.Contains(r.Content.Narrative, canary) {
			t.Fatalf("receipt %d after restore: %v", i, err)
		}
	}
	if _, err := m2.Reports.FindReportByReceipt(ctx, lateReceipt, "client"); err == nil {
		t.Fatal("a report made after the backup is in it")
	}
}

// TestScheduledBackupFailure makes the backup directory impossible to
// create (its parent is a file): the job fails, the log says so without
// content, the administrators are alerted once for the day (in the app),
// and the queue retries it; once the directory can be made, the retry
// writes the day's copy.
func TestScheduledBackupFailure(t *testing.T) {
	ctx := context.Background()
	zone := spiker.TimeZone("35.24")
	clk := &pinnedClock{t: time.Date(2026, 12, 1, 22, 0, 0, 0, zone)}
	parent := filepath.Join(t.TempDir(), "mnt")
	os.WriteFile(parent, []byte("not a directory"), 0o600)
	dir := filepath.Join(parent, "backups")
	m, logs, nodes := backupNodes(t, "35.24", clk, dir, 7, "")
	admin := addStaff(t, m, "admin.it", spiker.RoleAdmin)
	officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)

	clk.Set(time.Date(2026, 12, 2, 1, 30, 0, 0, zone))
	runNodes(t, nodes...)
	clk.Set(time.Date(2026, 12, 2, 1, 31, 0, 0, zone)) // past the first backoff (30 s + jitter)
	runNodes(t, nodes...)
	var status, lastErr string
	var attempts int
	if err := m.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT status, attempts, COALESCE(last_error, '') FROM jobs WHERE kind = $1 AND dedupe_key = $2`,
			[]any{jobBackup, jobBackup + ":2026-12-02"}, &status, &attempts, &lastErr)
	}); err != nil {
		t.Fatal(err)
	}
	if status != "ready" || attempts != 2 || !strings.Contains(lastErr, "scheduled backup") {
		t.Fatalf("the failed job: %s after %d attempts (%q), want ready for a retry", status, attempts, lastErr)
	}
	if !strings.Contains(logs.String(), "job failed") || !strings.Contains(logs.String(), jobBackup) {
		t.Fatalf("no log line of the failure:\n%s", logs.String())
	}
	ns, err := m.Duty.Notifications(ctx, admin, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Alert.Reason != spiker.AlertBackupFailed || ns[0].Alert.RecordID != "2026-12-02" {
		t.Fatalf("the administrator's alerts: %+v, want one of the failed backup", ns)
	}
	if ns, _ := m.Duty.Notifications(ctx, officer, 10); len(ns) != 0 {
		t.Fatalf("a duty officer was alerted of a failed backup: %+v", ns)
	}
	// Tomorrow's is queued even though today's failed.
	var next int
	if err := m.DB.View(ctx, func(tx *sqldb.Tx) error {
		return tx.Get(ctx, `SELECT COUNT(*) FROM jobs WHERE dedupe_key = $1 AND status = 'ready'`, []any{jobBackup + ":2026-12-03"}, &next)
	}); err != nil || next != 1 {
		t.Fatalf("tomorrow's backup queued: %d %v", next, err)
	}

	// The operator mounts the disk; the queue's next retry makes the copy.
	os.Remove(parent)
	os.MkdirAll(parent, 0o700)
	clk.Set(time.Date(2026, 12, 2, 1, 45, 0, 0, zone))
	runNodes(t, nodes...)
	if got := backupFiles(t, dir); !slices.Equal(got, []string{"spiker-backup-20261202-014500.db"}) {
		t.Fatalf("after the retry the directory holds %v", got)
	}
	if ns, _ := m.Duty.Notifications(ctx, admin, 10); len(ns) != 1 {
		t.Fatalf("%d alerts, want still one for the day", len(ns))
	}
}

// TestScheduledBackupSettings refuses settings that cannot work, at start:
// a bad time, a negative count, a key that is not an age public key, or a
// recipient without a directory. On PostgreSQL the scheduled backup is off
// and says so.
func TestScheduledBackupSettings(t *testing.T) {
	key, _ := age.GenerateX25519Identity()
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{BackupDir: "b", BackupAt: "25:00"}, "--backup-at"},
		{Config{BackupDir: "b", BackupKeep: -1}, "--backup-keep"},
		{Config{BackupDir: "b", BackupAgeRecipient: key.String()}, "not an age public key"},
		{Config{BackupDir: "b", BackupAgeRecipient: "age1xyz"}, "not an age public key"},
		{Config{BackupAgeRecipient: key.Recipient().String()}, "--backup-dir"},
	} {
		_, err := parseBackupPlan(&c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), key.String()) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	p, err := parseBackupPlan(&Config{BackupDir: "b", BackupAgeRecipient: key.Recipient().String() + ", " + key.Recipient().String()})
	if err != nil || p.keep != 7 || p.hour != 1 || p.minute != 30 || len(p.recipients) != 2 {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	if p, err := parseBackupPlan(&Config{}); p != nil || err != nil {
		t.Fatalf("no directory, no plan: %+v %v", p, err)
	}
	if code, _, stderr := runCLI(t, "", map[string]string{"SPIKER_BACKUP_KEEP": "sieben"}, "serve", "--data", t.TempDir()); code == 0 || !strings.Contains(stderr, "SPIKER_BACKUP_KEEP") {
		t.Fatalf("a bad SPIKER_BACKUP_KEEP: %d %s", code, stderr)
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		if postgresOnly(dbURL) == "" {
			return
		}
		m, logs := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.NoJobs, c.BackupDir = true, t.TempDir() })
		if err := m.scheduleBackup(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := m.DB.View(context.Background(), func(tx *sqldb.Tx) error {
			return tx.Get(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = $1`, []any{jobBackup}, &n)
		}); err != nil || n != 0 {
			t.Fatalf("%d backup jobs on PostgreSQL: %v", n, err)
		}
		if !strings.Contains(logs.String(), "pg_dump") {
			t.Fatalf("no word of pg_dump in the log:\n%s", logs.String())
		}
	})
}
