// Package vault holds the cryptography of Spiker Perak: the server's secret
// file, password hashing and the encryption of what must not be readable
// from a copy of the database.
package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Purpose names what a server key is for. Each purpose has its own keys, so
// one can be rotated without touching the others.
type Purpose string

const (
	PurposeSession Purpose = "session" // signs and encrypts session state
	PurposeTOTP    Purpose = "totp"    // encrypts staff TOTP secrets at rest
	PurposePepper  Purpose = "pepper"  // keys the receipt lookup hash
	// PurposeBlindIndex keyed the blind indexes until migration 0028 moved
	// them under the holders' index key (see BlindIndex); it stays so
	// existing secret files load unchanged, and keys nothing.
	PurposeBlindIndex Purpose = "blind-index"
	PurposeAudit      Purpose = "audit" // keys the audit log's hash chain
	// PurposeBootstrap wraps each holder group's private key until the
	// group's first member exists; then the wrapped copy is erased.
	PurposeBootstrap Purpose = "bootstrap"
	// PurposeChannels encrypts the alert channels' credentials (SMTP
	// password, bot and API tokens, the VAPID private key) at rest.
	PurposeChannels Purpose = "channels"
	// PurposePassword keys staff password verifiers and the keys that wrap
	// their private keys, so a copy of the database alone allows no
	// offline guessing of a password.
	PurposePassword Purpose = "password"
)

// purposes lists every purpose a secret file must have.
var purposes = []Purpose{PurposeSession, PurposeTOTP, PurposePepper, PurposeBlindIndex, PurposeAudit, PurposeBootstrap, PurposeChannels, PurposePassword}

// Purposes returns every purpose, e.g. for the rotation command's help.
func Purposes() []Purpose { return append([]Purpose(nil), purposes...) }

// Rotate adds a new key version for purpose p and saves the file. New data
// uses the new key; what older versions protected stays readable.
func (s *ServerSecrets) Rotate(p Purpose, now time.Time) (KeyVersion, error) {
	if len(s.Keys[p]) == 0 {
		return KeyVersion{}, fmt.Errorf("unknown key purpose %q", p)
	}
	kv := newKeyVersion(s.Current(p).ID+1, now)
	s.Keys[p] = append(s.Keys[p], kv)
	return kv, s.save()
}

// KeyVersion is one generation of a server key. Older versions are kept so
// that what they protected stays readable after a rotation.
type KeyVersion struct {
	ID      uint32    `json:"id"`
	Created time.Time `json:"created"`
	Key     []byte    `json:"key"`
}

// ServerSecrets are the installation's own keys, kept in a file outside the
// database (mode 0600). They never open a case's data key: a copy of the
// database plus this file reveals no name and no story.
type ServerSecrets struct {
	Format int                      `json:"format"`
	Keys   map[Purpose][]KeyVersion `json:"keys"`
	path   string
}

const secretsFormat = 1

// LoadOrCreateSecrets reads the secret file at path, creating it with fresh
// random keys if it does not exist. created reports whether it was made now.
// A file missing a purpose (written by an older version) gains a key for it.
func LoadOrCreateSecrets(path string, now time.Time) (s *ServerSecrets, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s = &ServerSecrets{Format: secretsFormat, Keys: map[Purpose][]KeyVersion{}, path: path}
		created = true
	case err != nil:
		return nil, false, fmt.Errorf("cannot read the secret file: %w", err)
	default:
		s = &ServerSecrets{path: path}
		if err := json.Unmarshal(b, s); err != nil {
			return nil, false, fmt.Errorf("the secret file %s is damaged (%v); restore it from your backup", path, err)
		}
		if s.Format != secretsFormat {
			return nil, false, fmt.Errorf("the secret file %s has format %d, this program reads format %d", path, s.Format, secretsFormat)
		}
		for p, vs := range s.Keys {
			for _, v := range vs {
				if len(v.Key) != 32 {
					return nil, false, fmt.Errorf("the secret file %s has a %s key of the wrong length; restore it from your backup", path, p)
				}
			}
		}
	}
	changed := created
	for _, p := range purposes {
		if len(s.Keys[p]) == 0 {
			s.Keys[p] = []KeyVersion{newKeyVersion(1, now)}
			changed = true
		}
	}
	if changed {
		if err := s.save(); err != nil {
			return nil, false, err
		}
	}
	return s, created, nil
}

// newKeyVersion makes a key; created is the program clock's time, kept in
// the file for the operator.
func newKeyVersion(id uint32, created time.Time) KeyVersion {
	k := make([]byte, 32)
	rand.Read(k)
	return KeyVersion{ID: id, Created: created.UTC().Truncate(time.Second), Key: k}
}

// save writes the file atomically: a crash leaves the old file or the new
// one, never half of one.
func (s *ServerSecrets) save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".secret-*")
	if err != nil {
		return fmt.Errorf("cannot write the secret file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write the secret file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("cannot write the secret file: %w", err)
	}
	return syncDir(filepath.Dir(s.path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Path returns the file the secrets were read from.
func (s *ServerSecrets) Path() string { return s.path }

// Current returns the newest key for a purpose.
func (s *ServerSecrets) Current(p Purpose) KeyVersion {
	vs := s.Keys[p]
	return vs[len(vs)-1]
}

// Version returns the key with the given id for a purpose.
func (s *ServerSecrets) Version(p Purpose, id uint32) (KeyVersion, bool) {
	i := slices.IndexFunc(s.Keys[p], func(v KeyVersion) bool { return v.ID == id })
	if i < 0 {
		return KeyVersion{}, false
	}
	return s.Keys[p][i], true
}

// Equal reports whether two secret sets hold the same keys.
func (s *ServerSecrets) Equal(o *ServerSecrets) bool {
	for _, p := range purposes {
		a, b := s.Keys[p], o.Keys[p]
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i].ID != b[i].ID || !bytes.Equal(a[i].Key, b[i].Key) {
				return false
			}
		}
	}
	return true
}

// Seal encrypts plaintext under the current key for purpose p with
// XChaCha20-Poly1305. ad binds the ciphertext to where it is stored (table,
// column, record), so it cannot be moved elsewhere. The output starts with
// the key version so that older ciphertexts stay readable after rotation.
func (s *ServerSecrets) Seal(p Purpose, plaintext, ad []byte) []byte {
	kv := s.Current(p)
	aead, _ := chacha20poly1305.NewX(kv.Key)
	out := make([]byte, 4+aead.NonceSize(), 4+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0], out[1], out[2], out[3] = byte(kv.ID>>24), byte(kv.ID>>16), byte(kv.ID>>8), byte(kv.ID)
	rand.Read(out[4:])
	return aead.Seal(out, out[4:], plaintext, ad)
}

// ErrOpen is returned when a ciphertext cannot be opened: wrong key, wrong
// place, or tampered with.
var ErrOpen = errors.New("vault: ciphertext cannot be opened")

// Open decrypts what Seal produced for the same purpose and ad.
func (s *ServerSecrets) Open(p Purpose, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < 4+chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
		return nil, ErrOpen
	}
	id := uint32(sealed[0])<<24 | uint32(sealed[1])<<16 | uint32(sealed[2])<<8 | uint32(sealed[3])
	kv, ok := s.Version(p, id)
	if !ok {
		return nil, ErrOpen
	}
	aead, _ := chacha20poly1305.NewX(kv.Key)
	nonce := sealed[4 : 4+aead.NonceSize()]
	pt, err := aead.Open(nil, nonce, sealed[4+aead.NonceSize():], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
