package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSecretsCreateAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.json")
	s, created, err := LoadOrCreateSecrets(path, time.Now())
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	for _, p := range purposes {
		if k := s.Current(p); len(k.Key) != 32 || k.ID != 1 {
			t.Errorf("%s key: %+v", p, k)
		}
	}
	if bytes.Equal(s.Current(PurposePepper).Key, s.Current(PurposeAudit).Key) {
		t.Error("two purposes share a key")
	}
	again, created, err := LoadOrCreateSecrets(path, time.Now())
	if err != nil || created || !again.Equal(s) {
		t.Fatalf("reload: created=%v err=%v equal=%v", created, err, again.Equal(s))
	}
	// A file from an older version without some purpose gains it, keeping
	// the rest.
	delete(again.Keys, PurposeBlindIndex)
	if err := again.save(); err != nil {
		t.Fatal(err)
	}
	upgraded, _, err := LoadOrCreateSecrets(path, time.Now())
	if err != nil || len(upgraded.Keys[PurposeBlindIndex]) != 1 || !bytes.Equal(upgraded.Current(PurposePepper).Key, s.Current(PurposePepper).Key) {
		t.Fatalf("upgrade: %v", err)
	}
}

func TestSecretsDamaged(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage":   "not json",
		"format":    `{"format": 99, "keys": {}}`,
		"short key": `{"format": 1, "keys": {"pepper": [{"id": 1, "key": "AAAA"}]}}`,
		"truncated": `{"format": 1, "keys": {"pepper": [`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o600)
		if _, _, err := LoadOrCreateSecrets(path, time.Now()); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one-line error", name, err)
		}
		// A damaged file is never replaced by new keys: that would lose data.
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("%s: the damaged file was overwritten", name)
		}
	}
}

func TestSealOpen(t *testing.T) {
	s, _, err := LoadOrCreateSecrets(filepath.Join(t.TempDir(), "s.json"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ad := []byte("users.totp_sealed:budi")
	sealed := s.Seal(PurposeTOTP, []byte("JBSWY3DPEHPK3PXP"), ad)
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	if pt, err := s.Open(PurposeTOTP, sealed, ad); err != nil || string(pt) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := s.Open(PurposeTOTP, sealed, []byte("users.totp_sealed:siti")); err != ErrOpen {
		t.Error("opened with another record's associated data")
	}
	if _, err := s.Open(PurposeSession, sealed, ad); err != ErrOpen {
		t.Error("opened with another purpose's key")
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := s.Open(PurposeTOTP, bad, ad); err != ErrOpen {
			t.Fatalf("tampered byte %d was accepted", i)
		}
	}
	if _, err := s.Open(PurposeTOTP, sealed[:10], ad); err != ErrOpen {
		t.Error("truncated ciphertext accepted")
	}
	// After a rotation the old ciphertext still opens and new ones use the
	// new key.
	s.Keys[PurposeTOTP] = append(s.Keys[PurposeTOTP], newKeyVersion(2, time.Now()))
	if pt, err := s.Open(PurposeTOTP, sealed, ad); err != nil || string(pt) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("old ciphertext after rotation: %v", err)
	}
	if fresh := s.Seal(PurposeTOTP, []byte("x"), ad); fresh[3] != 2 {
		t.Errorf("new ciphertext uses key %d, want 2", fresh[3])
	}
}
