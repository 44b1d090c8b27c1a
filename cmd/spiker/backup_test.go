package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestBackupRestore backs up a populated instance while it serves,
// restores the backup into another data directory with the same secret
// file, and checks the audit chain and that every receipt given before the
// backup opens its report there.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m, _ := startMain(t, dir, "")
	m.Store.PasswordArgon, m.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
	var receipts []string
	var ids []string
	for i := range 20 {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Fisik"}, VictimAge: 20 + i, Consent: true, Content: spiker.ReportContent{Narrative: "cerita " + strings.Repeat("x", i)}}
		rc, err := m.Reports.CreateReport(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		receipts, ids = append(receipts, rc), append(ids, r.ID)
	}
	c := &spiker.Case{RegionCode: "35.24.22.1012", ReportIDs: ids[:1], Content: spiker.CaseContent{Summary: "ringkasan"}}
	if err := m.Cases.OpenCase(ctx, officer, c); err != nil {
		t.Fatal(err)
	}

	backup := filepath.Join(t.TempDir(), "spiker-backup.db")
	if code, out, stderr := runCLI(t, "", nil, "backup", "--data", dir, "--out", backup); code != 0 || !strings.Contains(out, "Backed up") {
		t.Fatalf("backup while serving: %d %s %s", code, out, stderr)
	}
	if b, _ := os.ReadFile(backup); len(b) == 0 || strings.Contains(string(b), "cerita") || strings.Contains(string(b), "ringkasan") {
		t.Fatal("the backup is empty, or holds a story in plaintext")
	}
	if code, _, stderr := runCLI(t, "", nil, "backup", "--data", dir, "--out", backup); code == 0 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("a backup over an existing file: %d %s", code, stderr)
	}
	// A report after the backup is not in it.
	late := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
		ViolenceTypes: []string{"Fisik"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "sesudah"}}
	lateReceipt, err := m.Reports.CreateReport(ctx, late, "")
	if err != nil {
		t.Fatal(err)
	}

	// Restore into a second data directory holding the same secret file.
	dir2 := t.TempDir()
	secret, _ := os.ReadFile(filepath.Join(dir, "secret.json"))
	os.WriteFile(filepath.Join(dir2, "secret.json"), secret, 0o600)
	if code, out, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup); code != 0 || !strings.Contains(out, "audit log is intact") {
		t.Fatalf("restore: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup); code == 0 || !strings.Contains(stderr, "--force") {
		t.Fatalf("restoring over a database without --force: %d %s", code, stderr)
	}
	// With another instance's secret file the audit chain does not verify.
	dir3 := t.TempDir()
	if code, _, stderr := runCLI(t, "", nil, "restore", "--data", dir3, "--from", backup); code == 0 || !strings.Contains(stderr, "secret file") {
		t.Fatalf("restoring with a foreign secret file: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup, "--force"); code != 0 {
		t.Fatalf("restore --force: %s", stderr)
	}

	m2, _ := startMain(t, dir2, "")
	m2.Store.PasswordArgon, m2.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	if n, err := m2.Audit.VerifyAudit(ctx); err != nil || n < 20 {
		t.Fatalf("audit after restore: %d %v", n, err)
	}
	for i, rc := range receipts {
		r, err := m2.Reports.FindReportByReceipt(ctx, rc, fmt.Sprint("client-", i))
		if err != nil || r.ID != ids[i] {
			t.Fatalf("receipt %d after restore: %v", i, err)
		}
	}
	if _, err := m2.Reports.FindReportByReceipt(ctx, lateReceipt, "client"); err == nil {
		t.Fatal("a report made after the backup is in it")
	}
	a, err := m2.Users.Authenticate(ctx, "konselor.satu", "tubruk pasar sapi kabut")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := (store.CaseService{Store: m2.Store}).FindCase(ctx, a, c.ID); err != nil || got.Content.Summary != "ringkasan" {
		t.Fatalf("the case after restore: %v", err)
	}
	// PostgreSQL: the command says to use pg_dump.
	if code, _, stderr := runCLI(t, "", nil, "backup", "--data", t.TempDir(), "--db", "postgres://x@127.0.0.1:1/none", "--out", filepath.Join(t.TempDir(), "b")); code == 0 || !strings.Contains(stderr, "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %d %s", code, stderr)
	}
}

// TestManualBackupEncrypted: `spiker backup --out F --age-recipient KEY`
// writes a copy only the identity opens (no canary, no SQLite header, no
// clear copy left behind), which `spiker restore --identity` puts back
// with every receipt opening its report.
func TestManualBackupEncrypted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m, _ := startMain(t, dir, "")
	m.Store.PasswordArgon, m.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	const canary = "Kanari Cadangan Manual"
	r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.1012", ReporterRole: spiker.ReporterKorban,
		ViolenceTypes: []string{"Fisik"}, VictimAge: 30, Consent: true, Content: spiker.ReportContent{Narrative: canary}}
	receipt, err := m.Reports.CreateReport(ctx, r, "")
	if err != nil {
		t.Fatal(err)
	}
	key, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(t.TempDir(), "identity.txt")
	os.WriteFile(idFile, []byte(key.String()+"\n"), 0o600)

	backup := filepath.Join(t.TempDir(), "offsite.db.age")
	if code, _, stderr := runCLI(t, "", nil, "backup", "--data", dir, "--out", backup, "--age-recipient", "age1bukan"); code == 0 || !strings.Contains(stderr, "not an age public key") {
		t.Fatalf("a wrong key: %d %s", code, stderr)
	}
	if code, out, stderr := runCLI(t, "", nil, "backup", "--data", dir, "--out", backup, "--age-recipient", key.Recipient().String()); code != 0 || !strings.Contains(out, "encrypted") {
		t.Fatalf("an encrypted backup: %d %s %s", code, out, stderr)
	}
	b, _ := os.ReadFile(backup)
	if !bytes.HasPrefix(b, []byte("age-encryption.org/v1")) || bytes.Contains(b, []byte("SQLite format")) || bytes.Contains(b, []byte(canary)) {
		t.Fatalf("the copy is not age-encrypted, or shows the database (%d bytes)", len(b))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".spiker-backup-*")); len(leftovers) > 0 {
		t.Fatalf("a clear copy was left behind: %v", leftovers)
	}
	if code, _, stderr := runCLI(t, "", nil, "backup", "--data", dir, "--out", backup, "--age-recipient", key.Recipient().String()); code == 0 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("a backup over an existing file: %d %s", code, stderr)
	}

	dir2 := t.TempDir()
	secret, _ := os.ReadFile(filepath.Join(dir, "secret.json"))
	os.WriteFile(filepath.Join(dir2, "secret.json"), secret, 0o600)
	if code, out, stderr := runCLI(t, "", nil, "restore", "--data", dir2, "--from", backup, "--identity", idFile); code != 0 || !strings.Contains(out, "audit log is intact") {
		t.Fatalf("restore with the identity: %d %s %s", code, out, stderr)
	}
	m2, _ := startMain(t, dir2, "")
	m2.Store.PasswordArgon, m2.Store.ReceiptArgon = storetest.Cheap, storetest.Cheap
	got, err := m2.Reports.FindReportByReceipt(ctx, receipt, "client")
	if err != nil || got.ID != r.ID || got.Content.Narrative != canary {
		t.Fatalf("the receipt after restore: %v", err)
	}
}
