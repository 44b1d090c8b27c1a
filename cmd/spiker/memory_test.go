package main

import (
	"context"
	"net/http"
	"net/http/httptest"
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
