//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package argon2id

import (
	"syscall"
	"unsafe"
)

// allocBlocks maps n blocks of memory outside the Go heap. Arenas are large
// and long-lived: on the heap they would count towards the garbage
// collector's goal (with GOGC=100, 38 MiB of arenas let another 38 MiB of
// garbage accumulate before a collection), and a dropped arena would stay
// in the process until a collection and the scavenger returned it. Mapped,
// they count for what they are and are returned at once by freeBlocks.
func allocBlocks(n uint32) []block {
	b, err := syscall.Mmap(-1, 0, int(n)*blockLength*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]block, n) // the heap, as x/crypto would
	}
	return unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// freeBlocks returns what allocBlocks mapped. Nothing may use b afterwards:
// only the pool holds an arena between derivations.
func freeBlocks(b []block) {
	if len(b) == 0 {
		return
	}
	// Munmap refuses (EINVAL) memory it did not map, i.e. allocBlocks'
	// fallback, which the collector frees.
	syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b)*blockLength*8))
}
