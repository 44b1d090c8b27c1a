package argon2id

import (
	"runtime"
	"sync/atomic"
	"time"
)

// An arena is the block memory of one derivation, kept for the next. Its
// contents after a derivation are as secret as the key was, and they stay
// in the process exactly as x/crypto's freed blocks would.
type arena struct {
	b           []block
	asked, took time.Time // for the observer
}

// blocks returns the arena's first memory blocks, growing it if it is
// smaller. A grown arena keeps its larger size.
func (a *arena) blocks(memory uint32) []block {
	if uint32(cap(a.b)) < memory {
		a.b = make([]block, memory)
	}
	return a.b[:memory]
}

// arenas holds the free arenas. Their number is the number of derivations
// that run at once: one for every four CPUs (each derivation runs on four
// threads), at least one. A derivation waits for a free arena, so a flood
// of reports or sign-ins queues rather than taking 64 MiB each.
var arenas = newArenas(max(1, runtime.NumCPU()/4))

func newArenas(n int) chan *arena {
	c := make(chan *arena, n)
	for range n {
		c <- new(arena) // empty until first used
	}
	return c
}

// observer, when set (the program's metrics), is told how long each
// derivation waited for an arena and how long it ran. Atomic: it is set
// while other goroutines may be deriving.
var observer atomic.Pointer[func(wait, run time.Duration)]

// SetObserver sets the function told each derivation's wait and run time.
func SetObserver(f func(wait, run time.Duration)) { observer.Store(&f) }

func takeArena() *arena {
	if observer.Load() == nil {
		return <-arenas
	}
	asked := time.Now()
	a := <-arenas
	a.asked, a.took = asked, time.Now()
	return a
}

func returnArena(a *arena) {
	if f := observer.Load(); f != nil && !a.took.IsZero() {
		(*f)(a.took.Sub(a.asked), time.Since(a.took))
		a.took = time.Time{}
	}
	arenas <- a
}
