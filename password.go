package spiker

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"
)

//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords are passwords of 12 or more characters that people pick
// often (in Indonesian and English), lowercased.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// MinPasswordScore is the zxcvbn score (0 to 4) a new password must reach:
// 3 means its estimate is at least 10^8 guesses, so that the words it is
// made of, the years and the patterns people add do not make it quick to
// guess.
const MinPasswordScore = 3

// passwordWords are words a password is often built on here and that the
// strength estimate must treat as guessable, most likely first: the
// office and the place, and common Indonesian words (zxcvbn's own
// dictionaries are English).
var passwordWords = strings.Fields(`
	lamongan spiker perak spikerperak dinas pppa dp3a dp3akb dpppa uptd ppa p2tp2a kabupaten kecamatan kelurahan desa
	pemkab pemerintah bupati kantor sekretariat bidang kepala staf pegawai admin operator petugas konselor pendamping
	perempuan anak perlindungan pemberdayaan kekerasan korban pengaduan layanan laporan kasus jawatimur jatim jawa timur
	password katasandi sandi kata rahasia rahasiaku sayang sayangku cinta cintaku bismillah alhamdulillah allahuakbar
	insyaallah masyaallah subhanallah assalamualaikum allah indonesia merdeka nusantara garuda pancasila bangsa negara
	rindu kangen bahagia sukses semangat jaya selamat sehat aman damai sejahtera berkah barokah amanah ikhlas sabar syukur
	keluarga rumah ibu bapak ayah bunda mama papa adik kakak suami istri pacar cantik ganteng manis sahabat teman
	satu dua tiga empat lima enam tujuh delapan sembilan sepuluh seratus seribu
	januari februari maret april mei juni juli agustus september oktober november desember
	senin selasa rabu kamis jumat sabtu minggu ramadhan lebaran
	surabaya jakarta malang gresik tuban bojonegoro jombang mojokerto persela persebaya
	masuk login daftar kunci buka mudah gampang lupa coba rahasiakita qwerty
`)

// passwordYears are the years people add to a password. The estimate's
// own pattern for years stops at 2019, so they are words here, the years
// around now first.
var passwordYears = func() []string {
	var ys []string
	for d := 0; d <= 60; d++ {
		ys = append(ys, strconv.Itoa(2025+d), strconv.Itoa(2024-d))
	}
	return ys
}()

var localPasswordWords atomic.Pointer[[]string]

// SetLocalPasswordWords adds the deployment's own place names (its regency,
// kecamatan and villages) to the words the strength estimate treats as
// guessable. The server calls it once at start from the region data.
func SetLocalPasswordWords(words []string) {
	w := append([]string(nil), words...)
	localPasswordWords.Store(&w)
}

// passwordInputs are the user inputs of the strength estimate: the
// username and its parts, then the words above, then the local places.
func passwordInputs(username string) []string {
	var in []string
	if username != "" {
		in = append(in, username)
		in = append(in, strings.FieldsFunc(username, func(r rune) bool { return !unicode.IsLetter(r) })...)
	}
	in = append(in, passwordWords...)
	in = append(in, passwordYears...)
	if local := localPasswordWords.Load(); local != nil {
		in = append(in, *local...)
	}
	// A word's rank is its last place in the list: keep the first.
	seen := map[string]bool{}
	return slices.DeleteFunc(in, func(w string) bool {
		w = strings.ToLower(w)
		dup := seen[w]
		seen[w] = true
		return dup
	})
}

// howToFix ends every refusal: what makes a password that is both strong
// and easy to remember.
const (
	howToFixID = "Gunakan beberapa kata acak yang tidak saling berhubungan (misalnya 4 kata, seperti „jeruk layang sepatu pelangi”), bukan nama tempat, nama kantor, tahun atau kata yang umum."
	howToFixEN = "Use a few random, unrelated words (say 4, like “orange kite shoe rainbow”), not a place or office name, a year or a common word."
)

// weakPassword is the refusal of a weak password: the message in
// Indonesian, then English, and a catalog key for the form's field.
func weakPassword(key, id, en string) error {
	return &Error{Code: EINVALID, Message: id + " " + howToFixID + " (" + en + " " + howToFixEN + ")",
		Fields: map[string]string{"password": key}}
}

// CheckPasswordStrength refuses a password that is common, made of very
// few distinct characters, a run like 1234567890ab, built on the username
// or the service's name, or that the zxcvbn estimate (with Indonesian
// words, the office's and the region's names added) scores below
// MinPasswordScore. Length is ValidatePassword's job. The refusal says, in
// Indonesian and then English, what to do instead.
func CheckPasswordStrength(pw, username string) error {
	lower := strings.ToLower(pw)
	squashed := strings.Join(strings.Fields(lower), "")
	distinct := map[rune]bool{}
	for _, c := range lower {
		distinct[c] = true
	}
	switch {
	case commonPasswords[lower] || commonPasswords[squashed]:
		return weakPassword("password.err.common", "Kata sandi ini termasuk yang paling sering dipakai orang.", "Many people use this password.")
	case len(distinct) < 5:
		return weakPassword("password.err.repeats", "Kata sandi ini mengulang terlalu sedikit huruf.", "This password repeats too few characters.")
	case isRun(squashed):
		return weakPassword("password.err.sequence", "Kata sandi ini hanya urutan huruf atau angka.", "This password is a simple sequence.")
	case username != "" && strings.Contains(squashed, strings.ToLower(username)),
		strings.Contains(squashed, "spikerperak"), strings.Contains(squashed, "spiker"):
		return weakPassword("password.err.name", "Kata sandi tidak boleh memuat nama pengguna Anda atau nama layanan.", "The password must not contain your username or the service's name.")
	}
	if seq, weak := estimate(pw, passwordInputs(username)); weak {
		id, en := "Kata sandi ini mudah ditebak.", "This password is easy to guess."
		if ws := guessableWords(seq, "tahun", "tanggal"); len(ws) > 0 {
			id = "Kata sandi ini mudah ditebak: dibangun dari " + strings.Join(ws, ", ") + "."
			en = "This password is easy to guess: it is built on " + strings.Join(guessableWords(seq, "year", "date"), ", ") + "."
		}
		return weakPassword("password.err.guessable", id, en)
	}
	return nil
}

// estimate runs zxcvbn on the password and, if it has separators, on its
// letters and digits alone (people join words with dots, dashes and spaces,
// and cracking tools try those few separators): it is weak if either
// scores below MinPasswordScore or its pieces below minPieceGuesses. seq
// is the weak estimate's pieces.
func estimate(pw string, inputs []string) (seq []*match.Match, weak bool) {
	r := zxcvbn.PasswordStrength(pw, inputs)
	if r.Score < MinPasswordScore || pieceGuesses(r.Sequence) < minPieceGuesses {
		return r.Sequence, true
	}
	joined := strings.Map(func(c rune) rune {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return c
		}
		return -1
	}, pw)
	if joined == pw {
		return nil, false
	}
	r = zxcvbn.PasswordStrength(joined, inputs)
	return r.Sequence, pieceGuesses(r.Sequence) < minPieceGuesses
}

// minPieceGuesses is how many guesses the pieces of a password must take
// by themselves (see pieceGuesses): 10^10, zxcvbn's threshold of score 4.
const minPieceGuesses = 1e10

// pieceGuesses is the estimate's guesses for a password from its pieces
// alone: the product of each piece's guesses, times the orders they can
// come in. zxcvbn adds 10^4^(n−1) for a password of n pieces, which by
// itself lifts any three common pieces ("dinas", "pppa", "2026") to score
// 3, whereas rule-based cracking (word lists joined, with years and
// punctuation added) tries those first. Leaving that term out, the pieces
// themselves must be hard to guess: random words are, place and office
// names, years and common words are not.
func pieceGuesses(seq []*match.Match) float64 {
	g := 1.0
	for i, m := range seq {
		g *= float64(i+1) * max(m.Guesses, 1)
	}
	return g
}

// guessableWords names the words, years and dates the estimate found in a
// password, quoted, so the refusal can say what to leave out.
func guessableWords(seq []*match.Match, year, date string) []string {
	var out []string
	for _, m := range seq {
		switch {
		case m.Pattern == "dictionary" && len(m.Token) == 4 && strings.Trim(m.Token, "0123456789") == "":
			out = append(out, "„"+m.Token+"” ("+year+")")
		case m.Pattern == "dictionary":
			out = append(out, "„"+m.Token+"”")
		case m.Pattern == "date":
			out = append(out, "„"+m.Token+"” ("+date+")")
		case m.Pattern == "regex" && m.RegexName == "recent_year":
			out = append(out, "„"+m.Token+"” ("+year+")")
		}
	}
	return out
}

// isRun reports whether s is mostly an ascending or descending sequence of
// neighbouring characters (1234567890, abcdefgh, 9876...).
func isRun(s string) bool {
	if len(s) < 2 {
		return false
	}
	steps := 0
	for i := 1; i < len(s); i++ {
		if d := int(s[i]) - int(s[i-1]); d == 1 || d == -1 || d == 0 {
			steps++
		}
	}
	return steps*10 >= (len(s)-1)*8
}
