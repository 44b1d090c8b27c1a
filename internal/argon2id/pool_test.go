package argon2id

import (
	"sync"
	"testing"
	"time"
)

// testPool is a pool on a hand-moved clock whose idle timer never fires by
// itself: the test calls releaseIdle.
func testPool(slots int, keepKiB uint64) (*pool, *time.Time) {
	p, now, _ := testPoolTimers(slots, keepKiB)
	return p, now
}

// testPoolTimers also returns the delays the pool's idle timer was set to.
func testPoolTimers(slots int, keepKiB uint64) (*pool, *time.Time, *[]time.Duration) {
	now := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	var timers []time.Duration
	p := newPool(slots, keepKiB, time.Minute)
	p.now = func() time.Time { return now }
	p.afterFunc = func(d time.Duration, _ func()) *time.Timer {
		timers = append(timers, d)
		return time.NewTimer(time.Hour)
	}
	p.released = nil
	return p, &now, &timers
}

// TestPoolFirstComeFirstServed queues derivations behind a running one
// and checks that they are admitted in the order they came, including a
// wide one (a password on all slots) that narrow ones behind it must not
// overtake.
func TestPoolFirstComeFirstServed(t *testing.T) {
	p, _ := testPool(2, 0)
	first, s0, b0 := p.acquire(1, 8)
	second, s1, b1 := p.acquire(1, 8) // both slots in use now

	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	threads := []uint8{4, 1, 1, 1} // the password first, then receipts
	for i, th := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, s, b := p.acquire(th, 8)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			p.release(a, s, b, 8, th)
		}()
		// Wait until the ticket is queued, so the order of arrival is known.
		for p.readStats().Queued != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	p.release(first, s0, b0, 8, 1)
	// One slot is free, but the password at the head needs two: nobody
	// behind it may take the free slot.
	time.Sleep(5 * time.Millisecond)
	if st := p.readStats(); st.Queued != 4 {
		t.Fatalf("%d queued after one slot came free, want all 4 still waiting behind the password", st.Queued)
	}
	p.release(second, s1, b1, 8, 1)
	wg.Wait()
	if order[0] != 0 { // the receipts behind it run two at once and may finish in any order
		t.Fatalf("admitted in order %v, want the password (0) first", order)
	}
	if st := p.readStats(); st.Derivations != 6 || st.Running != 0 || st.Queued != 0 || p.slots != 2 {
		t.Errorf("after all: %+v, %d slots free", st, p.slots)
	}
}

// TestPoolReceiptOrder checks strict FIFO among equal derivations on one
// slot: each is admitted only when the one before it is released.
func TestPoolReceiptOrder(t *testing.T) {
	p, _ := testPool(1, 0)
	a, s, b := p.acquire(1, 8)
	admitted := make(chan int, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			a, s, b := p.acquire(1, 8)
			admitted <- i
			p.release(a, s, b, 8, 1)
		})
		for p.readStats().Queued != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	p.release(a, s, b, 8, 1)
	for want := range 8 {
		if got := <-admitted; got != want {
			t.Fatalf("derivation %d admitted in place %d", got, want)
		}
	}
	wg.Wait() // all released before the next test
}

// TestPoolKeepsAndReleasesArenas checks the memory rules: arenas within
// the keep budget are kept and reused, a larger one is dropped after its
// derivation, and kept arenas idle for a minute are dropped.
func TestPoolKeepsAndReleasesArenas(t *testing.T) {
	p, now, timers := testPoolTimers(2, 2*100)
	a1, s1, b1 := p.acquire(1, 100)
	a2, s2, b2 := p.acquire(1, 100)
	p.release(a1, s1, b1, 100, 1)
	p.release(a2, s2, b2, 100, 1)
	if st := p.readStats(); st.KeptKiB != 200 || len(p.free) != 2 {
		t.Fatalf("kept %d KiB in %d arenas, want both receipt arenas (200 KiB)", st.KeptKiB, len(p.free))
	}
	// A password-sized derivation needs a new arena: the kept ones are
	// dropped before it is mapped, and it is not kept either.
	big, s, b := p.acquire(4, 400)
	if len(big.b) != 400 || len(p.free) != 0 || p.readStats().KeptKiB != 0 {
		t.Fatalf("a 400-block derivation got %d blocks with %d free arenas (%d KiB) left, want none", len(big.b), len(p.free), p.readStats().KeptKiB)
	}
	p.release(big, s, b, 400, 4)
	if st := p.readStats(); st.KeptKiB != 0 {
		t.Fatalf("kept %d KiB after the large derivation, want 0", st.KeptKiB)
	}
	// Receipts map their arenas again, and keep them.
	a1, s1, b1 = p.acquire(1, 100)
	a2, s2, b2 = p.acquire(1, 100)
	p.release(a1, s1, b1, 100, 1)
	p.release(a2, s2, b2, 100, 1)
	if st := p.readStats(); st.KeptKiB != 200 {
		t.Fatalf("kept %d KiB after two receipts, want 200", st.KeptKiB)
	}
	// A smaller derivation reuses a kept arena.
	small, s, b := p.acquire(1, 50)
	if len(small.b) != 100 || len(p.free) != 1 {
		t.Fatalf("a 50-block derivation got %d blocks, want a reused 100-block arena", len(small.b))
	}
	*now = now.Add(30 * time.Second)
	p.release(small, s, b, 50, 1)
	// One minute after the first two were returned: only the one not used
	// since goes.
	*now = now.Add(30 * time.Second)
	p.timer = nil // as idleTimer does before calling releaseIdle
	if n := p.releaseIdle(); n != 1 || p.readStats().KeptKiB != 100 {
		t.Fatalf("dropped %d arenas, %d KiB kept; want 1 dropped, 100 KiB kept", n, p.readStats().KeptKiB)
	}
	// The next check comes when the kept arena will have been idle a
	// minute, 30 s from now, not a whole minute later.
	if got := (*timers)[len(*timers)-1]; got != 30*time.Second {
		t.Errorf("the next idle check in %s, want 30s (timers %v)", got, *timers)
	}
	*now = now.Add(time.Minute)
	if n := p.releaseIdle(); n != 1 || p.readStats().KeptKiB != 0 || len(p.free) != 0 {
		t.Fatalf("dropped %d arenas, %d KiB kept; want nothing kept after a minute idle", n, p.readStats().KeptKiB)
	}
}

// TestPoolStats checks the wait and run times reported to ReadStats and
// the observer.
func TestPoolStats(t *testing.T) {
	p, now := testPool(1, 0)
	a, s, b := p.acquire(1, 8)
	*now = now.Add(40 * time.Millisecond)
	var got []Derivation
	SetObserver(func(d Derivation) { got = append(got, d) })
	defer SetObserver(nil)
	p.release(a, s, b, 8, 1)
	if st := p.readStats(); st.Derivations != 1 || st.Run != 40*time.Millisecond || st.Wait != 0 {
		t.Errorf("stats %+v, want one derivation of 40 ms without a wait", st)
	}
	if len(got) != 1 || got[0].Run != 40*time.Millisecond || got[0].MemoryKiB != 8 || got[0].Threads != 1 {
		t.Errorf("the observer saw %+v", got)
	}
}

// TestIdleTimerReleasesMemory runs the real timer path on a short idle
// time: the arena goes, and the release hook (FreeOSMemory in production)
// runs.
func TestIdleTimerReleasesMemory(t *testing.T) {
	p := newPool(1, 1000, time.Millisecond)
	freed := make(chan struct{}, 1)
	p.released = func() { freed <- struct{}{} }
	a, s, b := p.acquire(1, 16)
	p.release(a, s, b, 16, 1)
	select {
	case <-freed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle arena was not released")
	}
	if st := p.readStats(); st.KeptKiB != 0 {
		t.Errorf("%d KiB kept after the idle release", st.KeptKiB)
	}
}
