package upload

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Dir is the folder of temporary upload files, under the data directory:
// tmp/ holds the spools of requests in progress, pending/ the cleaned
// files a reporter attached to a form that came back with errors, one
// folder per form token, kept for TTL. Nothing in it is plaintext.
type Dir struct {
	Root string
	TTL  time.Duration
}

// DefaultTTL is how long a file attached to a form with errors is kept.
const DefaultTTL = time.Hour

// Prepare creates the folders and removes what a stopped server left: all
// spools of requests that were in progress, and pending files past their
// time. Call it once at start, before serving.
func (d Dir) Prepare(now time.Time) error {
	if err := os.RemoveAll(filepath.Join(d.Root, "tmp")); err != nil {
		return err
	}
	for _, sub := range []string{"tmp", "pending"} {
		if err := os.MkdirAll(filepath.Join(d.Root, sub), 0o700); err != nil {
			return err
		}
	}
	return d.Sweep(now)
}

// Temp is the folder for the spools of requests in progress.
func (d Dir) Temp() string { return filepath.Join(d.Root, "tmp") }

// Sweep removes the pending files of forms older than the TTL (and any
// folder whose time cannot be read).
func (d Dir) Sweep(now time.Time) error {
	entries, err := os.ReadDir(filepath.Join(d.Root, "pending"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		dir := filepath.Join(d.Root, "pending", e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "created"))
		sec, perr := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || perr != nil || now.Sub(time.Unix(sec, 0)) > d.ttl() {
			os.RemoveAll(dir)
		}
	}
	return nil
}

func (d Dir) ttl() time.Duration {
	if d.TTL > 0 {
		return d.TTL
	}
	return DefaultTTL
}

// The files of a form are under a hash of its token, each sealed with a
// key derived from the token and the file's id: the server, which never
// keeps the token, cannot open them without the form that holds it.
func (d Dir) tokenDir(token string) string {
	h := sha256.Sum256([]byte("spiker/pending-upload/dir\x00" + token))
	return filepath.Join(d.Root, "pending", hex.EncodeToString(h[:16]))
}

// TokenKey is the key of file id kept under a form's token.
func TokenKey(token, id string) Key {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("spiker/pending-upload/key\x00" + id))
	return Key(m.Sum(nil))
}

// NewID returns a random file id.
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// File is a cleaned file kept under a form's token.
type File struct {
	ID   string `json:"-"`
	Name string `json:"n"`
	Kind string `json:"k"`
	Size int64  `json:"s"`
}

// Keep moves a finished spool sealed with TokenKey(token, f.ID) into the
// form's folder, with its name, kind and size sealed beside it. The
// folder's time is set when its first file arrives.
func (d Dir) Keep(token string, now time.Time, f File, sp *Spool) error {
	dir := d.tokenDir(token)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	created := filepath.Join(dir, "created")
	if _, err := os.Stat(created); err != nil {
		if err := os.WriteFile(created, []byte(strconv.FormatInt(now.Unix(), 10)), 0o600); err != nil {
			return err
		}
	}
	meta, _ := json.Marshal(f)
	k := TokenKey(token, f.ID)
	aead, _ := chacha20poly1305.NewX(k[:])
	sealed := aead.Seal(nil, metaNonce(), meta, []byte("meta"))
	if err := os.WriteFile(filepath.Join(dir, f.ID+".meta"), sealed, 0o600); err != nil {
		return err
	}
	path := sp.Path()
	if err := sp.Close(); err != nil {
		return err
	}
	if err := os.Rename(path, filepath.Join(dir, f.ID)); err != nil {
		os.Remove(path)
		os.Remove(filepath.Join(dir, f.ID+".meta"))
		return err
	}
	return nil
}

// List returns the files kept under a form's token; none for an unknown
// or expired token.
func (d Dir) List(token string) []File {
	dir := d.tokenDir(token)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []File
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".meta")
		if !ok {
			continue
		}
		sealed, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		k := TokenKey(token, id)
		aead, _ := chacha20poly1305.NewX(k[:])
		meta, err := aead.Open(nil, metaNonce(), sealed, []byte("meta"))
		var f File
		if err != nil || json.Unmarshal(meta, &f) != nil {
			continue
		}
		f.ID = id
		out = append(out, f)
	}
	return out
}

// OpenFile opens a kept file for reading.
func (d Dir) OpenFile(token string, f File) (*Spool, error) {
	if !validID(f.ID) {
		return nil, errors.New("upload: bad file id")
	}
	return Open(filepath.Join(d.tokenDir(token), f.ID), TokenKey(token, f.ID), f.Size)
}

// Drop removes one kept file.
func (d Dir) Drop(token, id string) {
	if !validID(id) {
		return
	}
	dir := d.tokenDir(token)
	os.Remove(filepath.Join(dir, id))
	os.Remove(filepath.Join(dir, id+".meta"))
}

// Clear removes all the files kept under a form's token.
func (d Dir) Clear(token string) { os.RemoveAll(d.tokenDir(token)) }

func validID(id string) bool {
	b, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil && len(b) == 12
}

// metaNonce is the nonce of a kept file's sealed description: all ones,
// which no chunk number of the file's content under the same key reaches.
func metaNonce() []byte {
	n := make([]byte, chacha20poly1305.NonceSizeX)
	for i := range n {
		n[i] = 0xFF
	}
	return n
}
