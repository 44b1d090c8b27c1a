package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadyzFailsWhenDataDirTakesNoWrite: the running program's probe file
// cannot be written (here a directory stands where it goes, as a full
// disk would refuse its block), so /readyz turns 503 once the last answer
// is older than the probe's interval, and back to 200 when it can write.
func TestReadyzFailsWhenDataDirTakesNoWrite(t *testing.T) {
	clock := clockAt(time.Now())
	dir := t.TempDir()
	m, logs := startMain(t, dir, "", func(c *Config) { c.Clock = clock.Now })
	readyz := "http://" + m.PublicAddr() + "/readyz"
	if code, _ := get(t, readyz); code != 200 {
		t.Fatalf("/readyz = %d", code)
	}
	if err := os.Mkdir(filepath.Join(dir, ".ready-probe"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Within the interval the last answer stands: probes cost no write.
	if code, _ := get(t, readyz); code != 200 {
		t.Fatalf("/readyz within the interval = %d", code)
	}
	clock.Add(probeEvery)
	if code, body := get(t, readyz); code != 503 || body != "not ready\n" {
		t.Fatalf("/readyz when the data directory takes no write = %d %q", code, body)
	}
	if !strings.Contains(logs.String(), "takes no write") {
		t.Fatalf("the reason is not logged: %s", logs.String())
	}
	os.Remove(filepath.Join(dir, ".ready-probe"))
	if code, _ := get(t, readyz); code != 503 {
		t.Fatalf("/readyz within the interval after the fix = %d", code)
	}
	clock.Add(probeEvery)
	if code, _ := get(t, readyz); code != 200 {
		t.Fatalf("/readyz once it writes again = %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, ".ready-probe")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the probe file stayed: %v", err)
	}
}

// TestWriteProbeFullDisk writes the probe to /dev/full, which fails every
// write with ENOSPC as a full disk does; the probe says so, keeps its
// answer for probeEvery however often it is asked, and asks again after.
func TestWriteProbeFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	opens := 0
	full := true
	p := &writeProbe{dir: t.TempDir(), now: func() time.Time { return now }, open: func(name string) (*os.File, error) {
		opens++
		if full {
			return os.OpenFile("/dev/full", os.O_WRONLY, 0)
		}
		return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	}}
	for range 100 {
		if err := p.check(); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("probe on a full disk: %v", err)
		}
	}
	if opens != 1 {
		t.Fatalf("%d writes for 100 probes within the interval", opens)
	}
	full = false
	now = now.Add(probeEvery - time.Second)
	if err := p.check(); err == nil || opens != 1 {
		t.Fatalf("before the interval: %v after %d writes", err, opens)
	}
	now = now.Add(time.Second)
	if err := p.check(); err != nil || opens != 2 {
		t.Fatalf("after the interval: %v after %d writes", err, opens)
	}
	// A clock set back does not freeze the answer.
	now = now.Add(-time.Hour)
	if p.check(); opens != 3 {
		t.Fatalf("a clock set back: %d writes", opens)
	}
}
