package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"io"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/argon2id"
)

var field = Field{Table: "reports", Column: "narrative", Record: "r1"}

func TestFieldRoundTripAndTamper(t *testing.T) {
	k := NewDataKey()
	for _, msg := range []string{"", "Siti", strings.Repeat("cerita panjang ", 100), "\x80\x00"} {
		c := k.SealString(field, msg)
		if got, err := k.OpenString(field, c); err != nil || got != msg {
			t.Fatalf("round trip of %q: %q, %v", msg, got, err)
		}
		if len(c)%fieldBlock != (1+24+16)%fieldBlock {
			t.Errorf("length %d of %q is not padded to a block", len(c), msg)
		}
	}
	c := k.SealString(field, "Siti Aminah, Desa Sukorejo")
	if bytes.Contains(c, []byte("Siti")) {
		t.Fatal("plaintext visible")
	}
	for i := range c {
		bad := bytes.Clone(c)
		bad[i] ^= 0x40
		if _, err := k.Open(field, bad); err != ErrOpen {
			t.Fatalf("tampered byte %d opened", i)
		}
	}
	for _, other := range []Field{
		{Table: "reports", Column: "victim_name", Record: "r1"}, // another column
		{Table: "reports", Column: "narrative", Record: "r2"},   // another row
		{Table: "cases", Column: "narrative", Record: "r1"},     // another table
	} {
		if _, err := k.Open(other, c); err != ErrOpen {
			t.Errorf("ciphertext opened as %+v", other)
		}
	}
	if _, err := NewDataKey().Open(field, c); err != ErrOpen {
		t.Error("opened with another record's key")
	}
	if _, err := k.Open(field, c[:20]); err != ErrOpen {
		t.Error("truncated ciphertext opened")
	}
	if short, long := k.SealString(field, "Ani"), k.SealString(field, "Nurul Hidayati"); len(short) != len(long) {
		t.Error("name lengths are visible")
	}
}

func TestSealToHolders(t *testing.T) {
	alice, bob := NewKeyPair(), NewKeyPair()
	if PublicOf(alice.Private) != alice.Public {
		t.Fatal("PublicOf disagrees with the key pair")
	}
	k := NewDataKey()
	s := SealTo(alice.Public, k)
	got, err := OpenSealed(alice, s)
	if err != nil || got != k {
		t.Fatalf("holder cannot open: %v", err)
	}
	if _, err := OpenSealed(bob, s); err != ErrNotHolder {
		t.Fatal("a non-holder opened the grant")
	}
	s[len(s)-1] ^= 1
	if _, err := OpenSealed(alice, s); err != ErrNotHolder {
		t.Fatal("a tampered grant opened")
	}
}

// FIPS-197 §4.2 and §5.1.1 give products and an inverse in the AES field.
func TestGF256KnownAnswers(t *testing.T) {
	for _, v := range []struct{ a, b, want byte }{
		{0x57, 0x83, 0xc1}, {0x57, 0x13, 0xfe}, {0x57, 0x02, 0xae}, {0x57, 0x04, 0x47},
		{0x57, 0x08, 0x8e}, {0x57, 0x10, 0x07}, {0x53, 0xca, 0x01}, {0x00, 0x9f, 0x00},
	} {
		if got := gfMul(v.a, v.b); got != v.want {
			t.Errorf("%#x·%#x = %#x, want %#x", v.a, v.b, got, v.want)
		}
	}
	if gfInv(0x53) != 0xca {
		t.Errorf("inverse of 0x53 = %#x, want 0xca", gfInv(0x53))
	}
	for a := 1; a < 256; a++ {
		if gfMul(byte(a), gfInv(byte(a))) != 1 {
			t.Fatalf("a·a⁻¹ ≠ 1 for %#x", a)
		}
	}
}

// A hand-computed 2-of-3 vector: secret 0x53, coefficient 0xca, so
// f(1)=0x99, f(2)=0xdc, f(3)=0x16 in the AES field.
func TestShamirKnownAnswer(t *testing.T) {
	shares := []Share{{1, []byte{0x99}}, {2, []byte{0xdc}}, {3, []byte{0x16}}}
	for _, pair := range [][2]int{{0, 1}, {0, 2}, {1, 2}, {2, 0}} {
		got, err := CombineShares([]Share{shares[pair[0]], shares[pair[1]]})
		if err != nil || !bytes.Equal(got, []byte{0x53}) {
			t.Errorf("shares %v → %x, %v", pair, got, err)
		}
	}
}

func TestShamirSplitCombine(t *testing.T) {
	secret := make([]byte, 32)
	rand.Read(secret)
	shares, err := SplitSecret(secret, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range shares {
		for j := range shares {
			if i == j {
				continue
			}
			got, err := CombineShares([]Share{shares[i], shares[j]})
			if err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("shares %d,%d do not reconstruct", i, j)
			}
		}
		if bytes.Equal(shares[i].Y, secret) {
			t.Fatal("a share equals the secret")
		}
	}
	if got, _ := CombineShares(shares); !bytes.Equal(got, secret) {
		t.Fatal("all three shares do not reconstruct")
	}
	if _, err := CombineShares(shares[:1]); err == nil {
		t.Fatal("one share was accepted")
	}
	if _, err := CombineShares([]Share{shares[0], shares[0]}); err == nil {
		t.Fatal("a duplicated share was accepted")
	}
	if _, err := SplitSecret(secret, 2, 3); err == nil {
		t.Fatal("split with k > n")
	}
	// One share says nothing: for a fixed share value, every secret byte is
	// possible (each coefficient gives a different one).
	seen := map[byte]bool{}
	for c := range 256 {
		y := byte(0x42) ^ gfMul(byte(c), 1) // f(1) = s ^ c = 0x42 → s = 0x42 ^ c
		seen[y] = true
	}
	if len(seen) != 256 {
		t.Fatal("a single share constrains the secret")
	}
}

func TestShareEncoding(t *testing.T) {
	escrow := NewKeyPair()
	shares, _ := SplitSecret(escrow.Private[:], 3, 2)
	for _, s := range shares {
		text := EncodeShare(s, escrow.Public)
		if !strings.HasPrefix(text, "SPIKER-ESCROW-") {
			t.Fatalf("share text %q", text)
		}
		got, err := DecodeShare("  "+strings.ToLower(strings.ReplaceAll(text, "-", " - "))+"\n", escrow.Public)
		if err != nil || got.X != s.X || !bytes.Equal(got.Y, s.Y) {
			t.Fatalf("decode %q: %v", text, err)
		}
		// One mistyped character is caught.
		i := len(text) - 7
		typo := text[:i] + string("AB"[map[bool]int{true: 1}[text[i] == 'A']]) + text[i+1:]
		if _, err := DecodeShare(typo, escrow.Public); err == nil {
			t.Fatalf("typo %q accepted", typo)
		}
		if _, err := DecodeShare(text, NewKeyPair().Public); err == nil || !strings.Contains(err.Error(), "another installation") {
			t.Fatalf("share of another installation: %v", err)
		}
	}
	if _, err := DecodeShare("hello", escrow.Public); err == nil {
		t.Fatal("garbage accepted")
	}
	_ = base32.StdEncoding
}

func TestReceipts(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		r := NewReceipt()
		if len(r) != 16 || strings.Trim(r, "0123456789") != "" || seen[r] {
			t.Fatalf("receipt %q", r)
		}
		seen[r] = true
	}
	if FormatReceipt("1234567890123456") != "1234 5678 9012 3456" {
		t.Error("format")
	}
	for in, want := range map[string]string{
		"1234 5678 9012 3456": "1234567890123456", "1234567890123456": "1234567890123456",
		" 1234-5678-9012-3456 ": "1234567890123456", "0000 0000 0000 0001": "0000000000000001",
	} {
		if got, err := ParseReceipt(in); err != nil || got != want {
			t.Errorf("ParseReceipt(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "1234", "1234 5678 9012 34567", "1234 5678 9012 345a", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦"} {
		if _, err := ParseReceipt(bad); err != ErrReceiptFormat {
			t.Errorf("ParseReceipt(%q) accepted", bad)
		}
	}
	cheapR := Argon2Params{Time: 1, Memory: 64, Threads: 1}
	salt := []byte("install-salt-123")
	pepper := KeyVersion{ID: 1, Key: bytes.Repeat([]byte{7}, 32)}
	s1 := StretchReceipt("1234567890123456", salt, cheapR)
	s2 := StretchReceipt("1234567890123457", salt, cheapR)
	if !bytes.Equal(s1.Lookup(pepper), StretchReceipt("1234567890123456", salt, cheapR).Lookup(pepper)) {
		t.Fatal("lookup is not deterministic")
	}
	if bytes.Equal(s1.Lookup(pepper), s2.Lookup(pepper)) || s1.Key(pepper) == s2.Key(pepper) {
		t.Fatal("different receipts collide")
	}
	if bytes.Equal(s1.Lookup(pepper), s1[:]) || s1.Key(pepper) == [32]byte(s1.Lookup(pepper)) {
		t.Fatal("lookup and key are related")
	}
	k := NewDataKey()
	w := WrapForReceipt(s1.Key(pepper), "r1", k)
	if got, err := UnwrapForReceipt(s1.Key(pepper), "r1", w); err != nil || got != k {
		t.Fatal("receipt grant does not open")
	}
	if _, err := UnwrapForReceipt(s2.Key(pepper), "r1", w); err == nil {
		t.Fatal("another receipt opened the grant")
	}
	if _, err := UnwrapForReceipt(s1.Key(pepper), "r2", w); err == nil {
		t.Fatal("the grant opened for another report")
	}
}

func TestBlindIndex(t *testing.T) {
	key := NewDataKey()
	for _, same := range [][2]string{{"+62 812-3456-789", "0812 3456 789"}, {"(0322) 321 123", "0322321123"}} {
		a, b := NormalizePhone(same[0]), NormalizePhone(same[1])
		if a == "" || a != b {
			t.Errorf("NormalizePhone(%q)=%q, (%q)=%q", same[0], a, same[1], b)
		}
	}
	for _, bad := range []string{"", "12", "nomor saya 0812", "08123456789012345678"} {
		if NormalizePhone(bad) != "" {
			t.Errorf("NormalizePhone(%q) accepted", bad)
		}
	}
	if NormalizeNIK("3524 0101 0101 0001") != "3524010101010001" || NormalizeNIK("352401") != "" {
		t.Error("NormalizeNIK")
	}
	a := BlindIndex(key, "phone", "08123456789")
	if len(a) != 16 || !bytes.Equal(a, BlindIndex(key, "phone", "08123456789")) {
		t.Fatal("blind index is not deterministic")
	}
	if bytes.Equal(a, BlindIndex(key, "nik", "08123456789")) || bytes.Equal(a, BlindIndex(key, "phone", "08123456780")) {
		t.Fatal("blind index collides across kinds or values")
	}
}

func TestSessionKey(t *testing.T) {
	kp := NewKeyPair()
	s := NewSessionSecret()
	sealed := SealSessionKey(s, "sess1", kp)
	if got, err := OpenSessionKey(s, "sess1", sealed); err != nil || got != kp {
		t.Fatal("session key does not open")
	}
	if _, err := OpenSessionKey(NewSessionSecret(), "sess1", sealed); err == nil {
		t.Fatal("opened without the cookie's secret")
	}
	if _, err := OpenSessionKey(s, "sess2", sealed); err == nil {
		t.Fatal("opened for another session")
	}
	// A session sealed before the public half was kept: it is derived.
	old := symSeal(s, 1, kp.Private[:], []byte("spiker/session-key:sess1"))
	if got, err := OpenSessionKey(s, "sess1", old); err != nil || got != kp {
		t.Fatal("a session sealed with the private key alone does not open")
	}
}

// BenchmarkOpenSessionKey times what every staff request pays to open its
// session's key pair: the kept public half against deriving it.
func BenchmarkOpenSessionKey(b *testing.B) {
	kp, s := NewKeyPair(), NewSessionSecret()
	for _, c := range []struct {
		name   string
		sealed []byte
	}{{"kept", SealSessionKey(s, "sess1", kp)}, {"derived", symSeal(s, 1, kp.Private[:], []byte("spiker/session-key:sess1"))}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := OpenSessionKey(s, "sess1", c.sealed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestStreamRoundTrip(t *testing.T) {
	k := NewDataKey()
	f := Field{Table: "files", Column: "content", Record: "f1"}
	for _, n := range []int{0, 1, 1000, chunkData - 1, chunkData, chunkData + 1, 3 * chunkData, 9*chunkData + 17} {
		data := make([]byte, n)
		rand.Read(data)
		var enc bytes.Buffer
		got, err := EncryptStream(&enc, bytes.NewReader(data), k, f)
		if err != nil || got != int64(n) {
			t.Fatalf("n=%d: encrypt %d, %v", n, got, err)
		}
		if int64(enc.Len()) != EncryptedSize(int64(n)) {
			t.Errorf("n=%d: stored %d bytes, EncryptedSize says %d", n, enc.Len(), EncryptedSize(int64(n)))
		}
		var dec bytes.Buffer
		if m, err := DecryptStream(&dec, bytes.NewReader(enc.Bytes()), k, f); err != nil || m != int64(n) || !bytes.Equal(dec.Bytes(), data) {
			t.Fatalf("n=%d: decrypt %d, %v", n, m, err)
		}
	}
	if EncryptedSize(10) != EncryptedSize(60000) {
		t.Error("small files differ in stored size")
	}
}

func TestStreamTamper(t *testing.T) {
	k := NewDataKey()
	f := Field{Table: "files", Column: "content", Record: "f1"}
	data := bytes.Repeat([]byte("bukti "), 3*chunkData/6)
	var enc bytes.Buffer
	EncryptStream(&enc, bytes.NewReader(data), k, f)
	c := enc.Bytes()
	sealed := chunkSize + 16
	head := len(streamHead) + prefixLen
	open := func(b []byte, key DataKey, fl Field) error {
		_, err := DecryptStream(io.Discard, bytes.NewReader(b), key, fl)
		return err
	}
	if err := open(c, k, f); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"flipped byte":   func() []byte { b := bytes.Clone(c); b[head+100] ^= 1; return b }(),
		"flipped prefix": func() []byte { b := bytes.Clone(c); b[6] ^= 1; return b }(),
		"truncated":      c[:len(c)-sealed],
		"cut mid-chunk":  c[:len(c)-10],
		"swapped chunks": append(append(append(bytes.Clone(c[:head]), c[head+sealed:head+2*sealed]...), c[head:head+sealed]...), c[head+2*sealed:]...),
		"extra chunk":    append(bytes.Clone(c), c[head:head+sealed]...),
		"no header":      c[head:],
	}
	for name, b := range cases {
		if err := open(b, k, f); err != ErrOpen {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
	if err := open(c, NewDataKey(), f); err != ErrOpen {
		t.Error("opened with another key")
	}
	if err := open(c, k, Field{Table: "files", Column: "content", Record: "f2"}); err != ErrOpen {
		t.Error("opened as another file")
	}
}

func TestPadme(t *testing.T) {
	for n, want := range map[uint64]uint64{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 7: 7, 9: 10, 33: 36, 100: 104, 1000: 1024} {
		if got := padme(n); got != want {
			t.Errorf("padme(%d) = %d, want %d", n, got, want)
		}
	}
	for n := uint64(1); n < 5000; n++ {
		if p := padme(n); p < n || float64(p-n) > 0.12*float64(n)+1 {
			t.Fatalf("padme(%d) = %d: overhead out of bounds", n, p)
		}
	}
}

func BenchmarkFieldSeal(b *testing.B) {
	k := NewDataKey()
	msg := []byte(strings.Repeat("x", 500))
	for b.Loop() {
		k.Seal(field, msg)
	}
}

func BenchmarkFieldOpen(b *testing.B) {
	k := NewDataKey()
	c := k.Seal(field, []byte(strings.Repeat("x", 500)))
	for b.Loop() {
		k.Open(field, c)
	}
}

func BenchmarkSealTo(b *testing.B) {
	kp := NewKeyPair()
	k := NewDataKey()
	for b.Loop() {
		SealTo(kp.Public, k)
	}
}

func BenchmarkOpenSealed(b *testing.B) {
	kp := NewKeyPair()
	s := SealTo(kp.Public, NewDataKey())
	for b.Loop() {
		OpenSealed(kp, s)
	}
}

// BenchmarkReceiptStretch measures one receipt derivation with the current
// parameters and with those before migration 0043; "parallel" runs one
// derivation per CPU at once, as intake under load does.
func BenchmarkReceiptStretch(b *testing.B) {
	salt := []byte("install-salt-123")
	for _, c := range []struct {
		name string
		p    Argon2Params
	}{{"m=19MiB,t=2,p=1", ReceiptArgon2}, {"before/m=64MiB,t=3,p=4", ReceiptArgon2Before}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				StretchReceipt("1234567890123456", salt, c.p)
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					StretchReceipt("1234567890123456", salt, c.p)
				}
			})
		})
	}
}

// TestReceiptKDF checks that recorded parameters read back, and that
// anything else is refused rather than guessed.
func TestReceiptKDF(t *testing.T) {
	for _, p := range []Argon2Params{ReceiptArgon2, ReceiptArgon2Before, {Time: 1, Memory: 64, Threads: 1}} {
		got, err := ParseKDF(p.KDF())
		if err != nil || got != p {
			t.Errorf("ParseKDF(%q) = %+v, %v", p.KDF(), got, err)
		}
	}
	if ReceiptArgon2.Memory != argon2id.KeptPerCPUKiB {
		t.Errorf("receipts take %d KiB but the derivation pool keeps %d KiB a CPU", ReceiptArgon2.Memory, argon2id.KeptPerCPUKiB)
	}
	if ReceiptArgon2.KDF() != "argon2id;m=19456;t=2;p=1" {
		t.Errorf("the receipt parameters are recorded as %q", ReceiptArgon2.KDF())
	}
	for _, bad := range []string{"", "argon2id;m=19456;t=2", "argon2id;m=19456;t=0;p=1", "argon2id;m=19456;t=2;p=0",
		"argon2id;m=4;t=2;p=1", "argon2id;m=19456;t=2;p=1;x", "argon2id;m=019456;t=2;p=1", "argon2id;m=1;t=2;p=300", "scrypt;m=1;t=2;p=1"} {
		if p, err := ParseKDF(bad); err == nil {
			t.Errorf("ParseKDF(%q) = %+v, want an error", bad, p)
		}
	}
}

func BenchmarkEncryptStream1MiB(b *testing.B) {
	k := NewDataKey()
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		EncryptStream(io.Discard, bytes.NewReader(data), k, field)
	}
}
