package argon2id

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// An arena is the block memory of one derivation, kept for the next. Its
// contents after a derivation are as secret as the key was, and they stay
// in the process exactly as x/crypto's freed blocks would.
type arena struct {
	b    []block
	used time.Time // when it was last returned
}

// The pool admits derivations first come, first served and lends them
// arenas. Its limits:
//
//   - CPU: it has one slot per CPU; a derivation takes min(threads, slots)
//     of them, so receipts (p=1) run one per core and a password (p=4)
//     takes up to four. A derivation that does not fit waits in a FIFO
//     queue (tickets, not goroutines racing for a channel), and nothing
//     behind it overtakes it, so the wait of the n-th caller is the work
//     of the n-1 before it: p99 follows p50 under a flood.
//   - Memory in use: at most one arena per running derivation, so at most
//     slots × the largest memory per slot of the parameters in use (19 MiB
//     for a p=1 receipt; 64 MiB over min(4, slots) for a password).
//   - Memory kept between derivations: free arenas are kept while their
//     total stays within keepKiB (slots × 19 MiB: one receipt arena a core);
//     a larger one (a password's 64 MiB on a small machine) is dropped after
//     its derivation, and the free ones are dropped before it is mapped.
//     Free arenas unused for idleAfter are dropped too.
//     Arenas are mapped outside the Go heap (mem_unix.go), so a dropped one
//     goes back to the system at once, and kept ones do not raise the
//     garbage collector's goal.
type pool struct {
	mu        sync.Mutex
	total     int // CPU slots
	slots     int // free CPU slots
	queue     []*ticket
	free      []*arena // most recently used last
	freeKiB   uint64
	keepKiB   uint64
	idleAfter time.Duration
	timer     *time.Timer
	stats     Stats

	now       func() time.Time
	afterFunc func(time.Duration, func()) *time.Timer
	// released runs after idle arenas were dropped: the pool is idle, so
	// it is the moment to hand a flood's garbage back too (FreeOSMemory).
	released func()
}

type ticket struct {
	slots int
	ready chan struct{}
}

// KeptPerCPUKiB is the arena memory kept between derivations for each CPU:
// one receipt's (vault.ReceiptArgon2; a vault test keeps the two equal).
const KeptPerCPUKiB = 19 * 1024

// The CPUs are those the Go runtime runs on (GOMAXPROCS, which follows a
// container's CPU limit), not all of the host's.
var defaultPool = newPool(runtime.GOMAXPROCS(0), uint64(runtime.GOMAXPROCS(0))*KeptPerCPUKiB, time.Minute)

func newPool(slots int, keepKiB uint64, idleAfter time.Duration) *pool {
	return &pool{total: max(1, slots), slots: max(1, slots), keepKiB: keepKiB, idleAfter: idleAfter, now: time.Now,
		afterFunc: time.AfterFunc, released: debug.FreeOSMemory}
}

// Stats are the pool's counters since the process started, for an
// operator's metrics. Wait is the time derivations spent queued for a slot,
// Run the time they spent deriving.
type Stats struct {
	Derivations uint64
	Wait, Run   time.Duration
	Queued      int    // derivations waiting now
	Running     int    // derivations running now
	KeptKiB     uint64 // memory in free arenas now
}

// Derivation describes one finished derivation for the observer (SetObserver).
type Derivation struct {
	Wait, Run time.Duration
	MemoryKiB uint32
	Threads   uint8
}

// observer, when set (the program's metrics), is called after every
// derivation with its queue wait and run time. Atomic: several servers in
// one process (tests) set it while others derive.
var observer atomic.Pointer[func(Derivation)]

// SetObserver sets the function told of every finished derivation, e.g. to
// feed latency histograms (nil: none). It must be quick: it runs on the
// deriving goroutine.
func SetObserver(f func(Derivation)) {
	if f == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&f)
}

// ReadStats returns the counters of the derivation pool.
func ReadStats() Stats { return defaultPool.readStats() }

func (p *pool) readStats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Queued, s.KeptKiB = len(p.queue), p.freeKiB
	return s
}

// acquire waits for its turn and for the slots of threads, then lends an
// arena of at least memory blocks. It returns when it was called and when
// the derivation could begin, for the statistics.
func (p *pool) acquire(threads uint8, memory uint32) (a *arena, start, began time.Time) {
	start = p.now()
	n := min(int(threads), p.total)
	p.mu.Lock()
	if len(p.queue) == 0 && p.slots >= n {
		p.slots -= n
	} else {
		t := &ticket{slots: n, ready: make(chan struct{})}
		p.queue = append(p.queue, t)
		p.mu.Unlock()
		<-t.ready // release took the slots for us
		p.mu.Lock()
	}
	p.stats.Running++
	a = p.takeArena(memory)
	p.mu.Unlock()
	return a, start, p.now()
}

// takeArena returns the smallest free arena that fits, or a new one.
func (p *pool) takeArena(memory uint32) *arena {
	best := -1
	for i, a := range p.free {
		if uint32(len(a.b)) >= memory && (best < 0 || len(a.b) < len(p.free[best].b)) {
			best = i
		}
	}
	if best < 0 {
		// None fits (a password's arena among receipts'): the free ones
		// go first, so that the process never holds both the kept arenas
		// and the larger one (on two CPUs, 2 × 19 MiB beside 64 MiB).
		for _, a := range p.free {
			freeBlocks(a.b)
		}
		p.free, p.freeKiB = p.free[:0], 0
		return &arena{b: allocBlocks(memory)}
	}
	a := p.free[best]
	p.free = append(p.free[:best], p.free[best+1:]...)
	p.freeKiB -= uint64(len(a.b))
	return a
}

// release returns the slots and the arena, and admits the waiting tickets
// that now fit, in their order.
func (p *pool) release(a *arena, start, began time.Time, memory uint32, threads uint8) {
	end, n := p.now(), min(int(threads), p.total)
	p.mu.Lock()
	p.stats.Derivations++
	p.stats.Wait += began.Sub(start)
	p.stats.Run += end.Sub(began)
	p.stats.Running--
	if p.freeKiB+uint64(len(a.b)) <= p.keepKiB {
		a.used = end
		p.free = append(p.free, a)
		p.freeKiB += uint64(len(a.b)) // a block is 1 KiB
		if p.timer == nil && p.idleAfter > 0 {
			p.timer = p.afterFunc(p.idleAfter, p.idleTimer)
		}
	} else {
		freeBlocks(a.b)
	}
	p.slots += n
	for len(p.queue) > 0 && p.slots >= p.queue[0].slots {
		t := p.queue[0]
		p.queue = p.queue[1:]
		p.slots -= t.slots
		close(t.ready)
	}
	p.mu.Unlock()
	if f := observer.Load(); f != nil {
		(*f)(Derivation{Wait: began.Sub(start), Run: end.Sub(began), MemoryKiB: memory, Threads: threads})
	}
}

func (p *pool) idleTimer() {
	p.mu.Lock()
	p.timer = nil
	p.mu.Unlock()
	if p.releaseIdle() > 0 && p.released != nil {
		p.released()
	}
}

// releaseIdle drops the free arenas unused for idleAfter, schedules the
// next check for when the first of the others will have been, and returns
// how many it dropped.
func (p *pool) releaseIdle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, kept, dropped := p.now(), p.free[:0], 0
	next := p.idleAfter // until the first kept arena has been idle long enough
	for _, a := range p.free {
		if idle := now.Sub(a.used); idle >= p.idleAfter {
			p.freeKiB -= uint64(len(a.b))
			freeBlocks(a.b)
			dropped++
			continue
		} else if p.idleAfter-idle < next {
			next = p.idleAfter - idle
		}
		kept = append(kept, a)
	}
	clear(p.free[len(kept):])
	p.free = kept
	if len(p.free) > 0 && p.timer == nil {
		p.timer = p.afterFunc(next, p.idleTimer)
	}
	return dropped
}
