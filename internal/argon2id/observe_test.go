package argon2id

import (
	"sync/atomic"
	"testing"
	"time"
)

// The observer hears of every derivation with its wait and run time.
func TestObserver(t *testing.T) {
	var n atomic.Int64
	var ran atomic.Int64
	SetObserver(func(wait, run time.Duration) {
		n.Add(1)
		ran.Add(int64(run))
	})
	defer observer.Store(nil)
	IDKey([]byte("sandi"), []byte("garam-garam-16b!"), 1, 1024, 1, 32)
	IDKey([]byte("sandi"), []byte("garam-garam-16b!"), 1, 1024, 1, 32)
	if n.Load() != 2 || ran.Load() <= 0 {
		t.Fatalf("%d observations, %v run", n.Load(), time.Duration(ran.Load()))
	}
}
