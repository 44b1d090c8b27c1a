package main

import (
	"context"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// idleRelease gives the memory a burst of requests used back to the
// system once the server has been quiet for a while. Go's scavenger
// returns freed heap only gradually and keeps some for the next burst, so
// after a flood the process would stay at its peak size for minutes;
// debug.FreeOSMemory after quiet puts it back near its idle size. It
// runs only after requests came, once per quiet spell: an idle server
// does no work.
type idleRelease struct {
	requests atomic.Int64
	free     func() // debug.FreeOSMemory; tests count the calls
}

// count wraps a handler to count its requests.
func (ir *idleRelease) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ir.requests.Add(1)
		h.ServeHTTP(w, r)
	})
}

// run checks every quiet period until ctx ends: memory goes back after
// one to two periods without a request.
func (ir *idleRelease) run(ctx context.Context, quiet time.Duration) {
	t := time.NewTicker(quiet)
	defer t.Stop()
	// released starts below any count, so that the garbage of start-up
	// (every template is parsed once to check it) also goes back after
	// the first quiet period.
	var seen, released int64 = 0, -1
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := ir.requests.Load()
		if n == seen && n != released {
			if ir.free != nil {
				ir.free()
			} else {
				debug.FreeOSMemory()
			}
			released = n
		}
		seen = n
	}
}

// gcPercent is the collector's target when the operator set no GOGC: the
// heap may grow half its live size between collections instead of Go's
// default doubling. The Argon2id arenas live outside the heap, so this
// bounds what remains (requests, templates, the region directory): at 8
// reporters at once the peak fell from about 140 MB to 125 MB for about
// 1% more CPU (README, "Memory").
const gcPercent = 50

// tuneGC sets gcPercent unless GOGC is set (getenv: os.Getenv). It returns
// the percentage in force.
func tuneGC(getenv func(string) string) int {
	if v := getenv("GOGC"); v != "" {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p) // read back what the runtime took from GOGC
		return p
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}
