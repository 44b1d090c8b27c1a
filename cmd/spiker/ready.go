package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// writeProbe tells /readyz whether the data directory still takes a write:
// on a full disk SQLite cannot commit, uploads cannot spool, and a node
// should be taken out of rotation rather than fail every report. The
// SQLite file and its write-ahead log live in this same directory, so one
// file written and synced there answers for them too.
type writeProbe struct {
	dir string
	now func() time.Time // the program's clock
	// open opens the probe file (nil: create it in dir). Tests open
	// /dev/full, whose every write fails as a full disk's does.
	open func(name string) (*os.File, error)

	mu  sync.Mutex
	at  time.Time
	err error
}

// probeEvery bounds the probe's cost: however often /readyz is asked (by a
// load balancer, or by someone hammering it), the disk is written at most
// once in this time and the answer in between is the last one.
const probeEvery = 5 * time.Second

// probeSize is one filesystem block: a disk with no free block refuses it.
const probeSize = 4096

func (p *writeProbe) check() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.at.IsZero() && now.Sub(p.at) < probeEvery && !now.Before(p.at) {
		return p.err
	}
	p.err, p.at = p.write(), now
	return p.err
}

// write creates, fills, syncs and removes a small file in the directory.
func (p *writeProbe) write() error {
	name := filepath.Join(p.dir, ".ready-probe")
	open := p.open
	if open == nil {
		open = func(name string) (*os.File, error) {
			return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		}
	}
	f, err := open(name)
	if err != nil {
		return fmt.Errorf("the data directory %s takes no write: %w", p.dir, err)
	}
	_, err = f.Write(make([]byte, probeSize))
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if p.open == nil {
		os.Remove(name)
	}
	if err != nil {
		return fmt.Errorf("the data directory %s takes no write: %w", p.dir, err)
	}
	return nil
}
