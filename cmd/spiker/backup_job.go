package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/metrics"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
)

// jobBackup is the daily scheduled backup of the SQLite database; each run
// queues the next day's first. The queue's dedupe key (one per local day)
// and its lease, renewed while the copy runs, make it run once a day across
// nodes and restarts, however long the copy takes up to longJobMaxRun.
const jobBackup = "backup.daily"

type backupJobPayload struct {
	Day string // YYYY-MM-DD, local
}

// backupPlan is the scheduled backup's settings, checked at start.
type backupPlan struct {
	dir          string
	keep         int
	hour, minute int
	recipients   []age.Recipient
}

// Scheduled copies are named spiker-backup-YYYYMMDD-HHMMSS.db (.db.age when
// encrypted), local time: names sort as time does, and only names of this
// form are ever deleted from the directory.
var (
	backupName    = regexp.MustCompile(`^spiker-backup-\d{8}-\d{6}\.db(\.age)?$`)
	backupTmpName = regexp.MustCompile(`^\.spiker-backup-.*\.tmp$`)
)

// parseBackupPlan checks the backup settings; nil when there is no
// scheduled backup.
func parseBackupPlan(c *Config) (*backupPlan, error) {
	if c.BackupDir == "" {
		if c.BackupAgeRecipient != "" {
			return nil, errors.New("--backup-age-recipient (SPIKER_BACKUP_AGE_RECIPIENT) needs --backup-dir (SPIKER_BACKUP_DIR)")
		}
		return nil, nil
	}
	p := &backupPlan{dir: c.BackupDir, keep: c.BackupKeep}
	if p.keep == 0 {
		p.keep = 7
	}
	if p.keep < 1 || p.keep > 3660 {
		return nil, fmt.Errorf("--backup-keep (SPIKER_BACKUP_KEEP) %d: keep from 1 to 3660 copies", c.BackupKeep)
	}
	at := c.BackupAt
	if at == "" {
		at = "01:30"
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return nil, fmt.Errorf("--backup-at (SPIKER_BACKUP_AT) %q: use a local time such as 01:30", at)
	}
	p.hour, p.minute = t.Hour(), t.Minute()
	if p.recipients, err = parseAgeRecipients(c.BackupAgeRecipient); err != nil {
		return nil, fmt.Errorf("--backup-age-recipient (SPIKER_BACKUP_AGE_RECIPIENT): %w", err)
	}
	return p, nil
}

// parseAgeRecipients reads age public keys separated by commas or spaces
// (none: nil).
func parseAgeRecipients(list string) ([]age.Recipient, error) {
	keys := strings.FieldsFunc(list, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\t' })
	if len(keys) == 0 {
		return nil, nil
	}
	// ParseRecipients reads one per line and quotes no key in its errors.
	r, err := age.ParseRecipients(strings.NewReader(strings.Join(keys, "\n")))
	if err != nil {
		return nil, fmt.Errorf("not an age public key (age1...): %v", err)
	}
	return r, nil
}

// next is the first backup time after now, local.
func (p *backupPlan) next(now time.Time, zone *time.Location) time.Time {
	l := now.In(zone)
	at := time.Date(l.Year(), l.Month(), l.Day(), p.hour, p.minute, 0, 0, zone)
	for !at.After(now) {
		at = time.Date(at.Year(), at.Month(), at.Day()+1, p.hour, p.minute, 0, 0, zone)
	}
	return at
}

// scheduleBackup makes sure the next scheduled backup is queued. On
// PostgreSQL there is none: the database is backed up with pg_dump and
// WAL archiving, which this program cannot do for it.
func (m *Main) scheduleBackup(ctx context.Context) error {
	if m.backup == nil {
		return nil
	}
	if m.Config.DB != "" {
		m.Logger.Warn("scheduled backups are off on PostgreSQL (--backup-dir is ignored): use pg_dump and WAL archiving, as the README's operations chapter shows")
		return nil
	}
	return m.DB.Update(ctx, func(tx *sqldb.Tx) error {
		at := m.backup.next(tx.Now(), m.Clock.Zone())
		day := at.Format(time.DateOnly)
		return store.EnqueueIn(ctx, tx, jobBackup, jobBackup+":"+day, at, backupJobPayload{Day: day})
	})
}

// backupJob is the backup.daily job: it queues tomorrow's first (so that a
// day that keeps failing does not end the backups), writes the copy and
// deletes the oldest beyond the number kept. A failure is logged (without
// content), alerted to the administrators once that day, and retried by
// the queue.
func (m *Main) backupJob(ctx context.Context, j spiker.Job) error {
	var p backupJobPayload
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return err
	}
	if m.backup == nil || m.Config.DB != "" {
		// Queued while backups were on; they are off now.
		m.Logger.Info("scheduled backup skipped: no --backup-dir, or the database is PostgreSQL", "day", p.Day)
		return nil
	}
	if err := m.scheduleBackup(ctx); err != nil {
		return err
	}
	start := spiker.RealTime() // a duration for the log, not a decision
	name, size, err := m.backup.write(ctx, m.DB, m.Config.DataDir, m.Clock.Now().In(m.Clock.Zone()))
	if err != nil {
		if aerr := m.Store.RaiseBackupFailed(context.WithoutCancel(ctx), p.Day); aerr != nil {
			m.Logger.Error("alerting a failed backup", "err", aerr)
		}
		return fmt.Errorf("scheduled backup into %s: %w", m.backup.dir, err)
	}
	took := spiker.RealTime().Sub(start)
	metrics.BackupDone(m.Clock.Now(), took)
	removed, err := m.backup.prune()
	if err != nil {
		// The copy is made; the next run deletes what this one could not.
		m.Logger.Warn("deleting old scheduled backups", "dir", m.backup.dir, "err", errReason(err))
	}
	m.Logger.Info("scheduled backup written", "file", name, "bytes", size, "encrypted", len(m.backup.recipients) > 0,
		"took", took.Round(time.Millisecond), "deleted", removed)
	if took > longJobMaxRun/4 {
		m.Logger.Warn("the scheduled backup took more than a quarter of its limit: a copy that runs past the limit is cancelled and retried; put the backup directory on a faster disk",
			"took", took.Round(time.Second), "limit", longJobMaxRun)
	}
	return nil
}

// write makes one copy into the directory: VACUUM INTO a temporary file,
// encrypted through age when a recipient is set, fsynced, then renamed to
// its final name (so a half-written copy never has a backup's name) and
// the directory fsynced. It returns the file's name and size.
func (p *backupPlan) write(ctx context.Context, db *sqldb.DB, dataDir string, local time.Time) (string, int64, error) {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return "", 0, err
	}
	removeTemps(p.dir)
	removeTemps(dataDir)
	name := "spiker-backup-" + local.Format("20060102-150405") + ".db"
	if len(p.recipients) > 0 {
		name += ".age"
	}
	final := filepath.Join(p.dir, name)
	if _, err := os.Stat(final); err == nil {
		return "", 0, fmt.Errorf("%s already exists", name)
	}
	tmp := filepath.Join(p.dir, ".spiker-backup-"+local.Format("20060102-150405")+".tmp")
	os.Remove(tmp)
	defer os.Remove(tmp) // a no-op once renamed
	if len(p.recipients) == 0 {
		if err := db.Backup(ctx, tmp); err != nil {
			return "", 0, err
		}
		if err := syncFile(tmp); err != nil {
			return "", 0, err
		}
	} else {
		// VACUUM INTO writes a file it seeks in, so the clear copy goes to
		// the data directory (0700, next to the live database, which holds
		// the same): it never enters the backup directory, and is removed
		// at once. Removing is all that is meaningful on a journaling or
		// copy-on-write file system or an SSD; overwriting would not
		// reach the blocks.
		if err := encryptedBackup(ctx, db, dataDir, tmp, p.recipients); err != nil {
			return "", 0, err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", 0, err
	}
	if err := syncDir(p.dir); err != nil {
		return "", 0, err
	}
	fi, err := os.Stat(final)
	if err != nil {
		return "", 0, err
	}
	return name, fi.Size(), nil
}

// encryptedBackup writes a copy of db to the new file to, encrypted to the
// recipients. VACUUM INTO writes a file it seeks in, so the clear copy goes
// to the data directory (0700, next to the live database, which holds the
// same) and is removed at once: it never enters the backup's directory.
func encryptedBackup(ctx context.Context, db *sqldb.DB, dataDir, to string, recipients []age.Recipient) error {
	clear := filepath.Join(dataDir, ".spiker-backup-clear.tmp")
	os.Remove(clear)
	defer os.Remove(clear)
	if err := db.Backup(ctx, clear); err != nil {
		return err
	}
	return encryptFile(clear, to, recipients)
}

// encryptFile streams from through age to a new file to, fsynced.
func encryptFile(from, to string, recipients []age.Recipient) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	w, err := age.Encrypt(out, recipients...)
	if err != nil {
		return err
	}
	if _, err := in.WriteTo(w); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	return out.Close()
}

// prune deletes the oldest scheduled copies beyond the number kept; only
// files named as this job names them.
func (p *backupPlan) prune() (int, error) {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	// The name's date and time sort the same whether encrypted or not.
	stamp := func(name string) string { return strings.TrimSuffix(strings.TrimSuffix(name, ".age"), ".db") }
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(stamp(b), stamp(a)) })
	n := 0
	for _, old := range names[min(p.keep, len(names)):] {
		if err := os.Remove(filepath.Join(p.dir, old)); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		return n, syncDir(p.dir)
	}
	return n, nil
}

// removeTemps removes what an interrupted run left in dir: only files
// named as this job names its temporary files.
func removeTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type().IsRegular() && backupTmpName.MatchString(e.Name()) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
