package upload_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spikerperak/spiker/internal/upload"
)

func TestSpoolRoundTripAndRandomReads(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{1, 65535, 65536, 65537, 200_000} {
		data := make([]byte, size)
		rand.Read(data)
		copy(data, "kanari-spool")
		sp, err := upload.Create(dir, upload.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		// Written in odd pieces.
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1000+len(rest)%7777)
			sp.Write(rest[:n])
			rest = rest[n:]
		}
		if err := sp.Finish(); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(sp.Path())
		if bytes.Contains(raw, []byte("kanari-spool")) {
			t.Fatal("plaintext on disk")
		}
		got, err := io.ReadAll(sp.Reader())
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes, %v", size, len(got), err)
		}
		for _, off := range []int64{0, int64(size / 2), int64(size - 1)} {
			b := make([]byte, min(70000, size-int(off)))
			if n, err := sp.ReadAt(b, off); n != len(b) || err != nil && err != io.EOF || !bytes.Equal(b, data[off:off+int64(n)]) {
				t.Fatalf("size %d: ReadAt(%d) = %d, %v", size, off, n, err)
			}
		}
		path := sp.Path()
		sp.Remove()
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatal("spool not removed")
		}
	}
}

func TestPendingKeptUnderTokenSweptAfterTTL(t *testing.T) {
	d := upload.Dir{Root: t.TempDir(), TTL: time.Hour}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	if err := d.Prepare(now); err != nil {
		t.Fatal(err)
	}
	// A spool left by a crash is removed at start.
	left, _ := upload.Create(d.Temp(), upload.NewKey())
	left.Write([]byte("x"))
	left.Close()
	if err := d.Prepare(now); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(d.Temp()); len(entries) != 0 {
		t.Fatalf("%d spools left after start", len(entries))
	}

	token := "form-token-1"
	f := upload.File{ID: upload.NewID(), Name: "foto.jpg", Kind: "image/jpeg"}
	sp, _ := upload.Create(d.Temp(), upload.TokenKey(token, f.ID))
	sp.Write([]byte("kanari-pending"))
	sp.Finish()
	f.Size = sp.Size()
	if err := d.Keep(token, now, f, sp); err != nil {
		t.Fatal(err)
	}
	if got := d.List("another-token"); len(got) != 0 {
		t.Fatalf("another token lists %v", got)
	}
	got := d.List(token)
	if len(got) != 1 || got[0] != f {
		t.Fatalf("List = %+v, want %+v", got, f)
	}
	opened, err := d.OpenFile(token, got[0])
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(opened.Reader()); string(b) != "kanari-pending" {
		t.Fatalf("read %q", b)
	}
	opened.Close()
	filepath.Walk(d.Root, func(p string, info os.FileInfo, err error) error {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("kanari-pending")) || bytes.Contains(b, []byte("foto.jpg")) {
			t.Errorf("plaintext in %s", p)
		}
		return nil
	})
	d.Sweep(now.Add(59 * time.Minute))
	if len(d.List(token)) != 1 {
		t.Fatal("swept before its time")
	}
	d.Sweep(now.Add(61 * time.Minute))
	if len(d.List(token)) != 0 {
		t.Fatal("not swept after its time")
	}
}
