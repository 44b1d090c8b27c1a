package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// Memory goes back once after start-up, once after a burst of requests
// when they stop, and not again while the server stays idle.
func TestIdleRelease(t *testing.T) {
	var freed atomic.Int32
	ir := &idleRelease{free: func() { freed.Add(1) }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ir.run(ctx, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	if n := freed.Load(); n != 1 {
		t.Fatalf("released %d times after start-up, want once", n)
	}
	h := ir.count(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 5 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	deadline := time.Now().Add(5 * time.Second)
	for freed.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := freed.Load(); n != 2 {
		t.Fatalf("released %d times after start-up and one burst, want twice", n)
	}
}

// The collector's target: 50% unless the operator set GOGC.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	if got := tuneGC(func(string) string { return "" }); got != gcPercent || debug.SetGCPercent(gcPercent) != gcPercent {
		t.Errorf("without GOGC: %d, want %d", got, gcPercent)
	}
	debug.SetGCPercent(80) // as GOGC=80 would have set it at start
	if got := tuneGC(func(k string) string { return map[string]string{"GOGC": "80"}[k] }); got != 80 || debug.SetGCPercent(80) != 80 {
		t.Errorf("with GOGC=80: %d, want 80 kept", got)
	}
}
