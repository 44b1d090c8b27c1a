//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package argon2id

// allocBlocks allocates n blocks on the heap where memory cannot be mapped.
func allocBlocks(n uint32) []block { return make([]block, n) }

// freeBlocks leaves b to the garbage collector.
func freeBlocks([]block) {}
