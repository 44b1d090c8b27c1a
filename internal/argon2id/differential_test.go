package argon2id

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestSameAsXCrypto compares IDKey with the upstream implementation on
// random passwords, salts and parameters, in an order that leaves the arena
// dirty and larger than the next derivation needs.
func TestSameAsXCrypto(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 60 {
		password := make([]byte, rng.IntN(40))
		salt := make([]byte, 8+rng.IntN(24))
		for j := range password {
			password[j] = byte(rng.Uint32())
		}
		for j := range salt {
			salt[j] = byte(rng.Uint32())
		}
		time := 1 + rng.Uint32N(3)
		memory := 8 + rng.Uint32N(2048)
		threads := uint8(1 + rng.IntN(4))
		keyLen := 4 + rng.Uint32N(80)
		got := IDKey(password, salt, time, memory, threads, keyLen)
		want := argon2.IDKey(password, salt, time, memory, threads, keyLen)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d (t=%d m=%d p=%d len=%d): %x, x/crypto gives %x", i, time, memory, threads, keyLen, got, want)
		}
	}
}

// TestDefaultParametersAfterReuse checks the production parameters (t=3,
// 64 MiB, p=4) twice in a row, so the second runs on a used arena.
func TestDefaultParametersAfterReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB derivations")
	}
	want := argon2.IDKey([]byte("receipt"), []byte("install salt 16b"), 3, 64*1024, 4, 32)
	for range 2 {
		if got := IDKey([]byte("receipt"), []byte("install salt 16b"), 3, 64*1024, 4, 32); !bytes.Equal(got, want) {
			t.Fatalf("got %x, want %x", got, want)
		}
	}
}

// TestConcurrentDerivations runs more derivations at once than there are
// CPU slots: they wait for their turn and each still gets its own result.
func TestConcurrentDerivations(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			pw := []byte{byte(i)}
			got := IDKey(pw, []byte("saltsalt"), 2, 256+uint32(i)*16, 2, 32)
			if !bytes.Equal(got, argon2.IDKey(pw, []byte("saltsalt"), 2, 256+uint32(i)*16, 2, 32)) {
				errs <- "derivation " + string(rune('a'+i)) + " differs"
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if st := ReadStats(); st.Running != 0 || st.Queued != 0 || defaultPool.slots != defaultPool.total {
		t.Errorf("after the derivations: %+v, %d of %d slots free", st, defaultPool.slots, defaultPool.total)
	}
}

// BenchmarkIDKeyDefault is the derivation behind every receipt and staff
// password, on a reused arena; BenchmarkXCryptoIDKeyDefault is upstream's.
func BenchmarkIDKeyDefault(b *testing.B) {
	for b.Loop() {
		IDKey([]byte("receipt"), []byte("install salt 16b"), 3, 64*1024, 4, 32)
	}
}

func BenchmarkXCryptoIDKeyDefault(b *testing.B) {
	for b.Loop() {
		argon2.IDKey([]byte("receipt"), []byte("install salt 16b"), 3, 64*1024, 4, 32)
	}
}

// TestGenericBlockFunction compares the pure-Go block function (used on
// CPUs other than amd64, e.g. ARM servers) with the one this CPU uses, both
// writing and XOR-ing, so that the generic path is tested here too.
func TestGenericBlockFunction(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var in1, in2, prev block
	for round := range 20 {
		for i := range in1 {
			in1[i], in2[i], prev[i] = rng.Uint64(), rng.Uint64(), rng.Uint64()
		}
		for _, xor := range []bool{false, true} {
			generic, native := prev, prev
			processBlockGeneric(&generic, &in1, &in2, xor)
			if xor {
				processBlockXOR(&native, &in1, &in2)
			} else {
				processBlock(&native, &in1, &in2)
			}
			if generic != native {
				t.Fatalf("round %d, xor %v: the generic block function differs", round, xor)
			}
		}
	}
}
