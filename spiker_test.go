package spiker_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

func TestErrorCodeAndMessage(t *testing.T) {
	e := spiker.Errorf(spiker.ECONFLICT, "username %q is taken", "budi")
	wrapped := fmt.Errorf("creating user: %w", e)
	if spiker.ErrorCode(wrapped) != spiker.ECONFLICT || spiker.ErrorMessage(wrapped) != `username "budi" is taken` {
		t.Errorf("wrapped: %q %q", spiker.ErrorCode(wrapped), spiker.ErrorMessage(wrapped))
	}
	plain := errors.New("disk on fire at /var/lib/x")
	if spiker.ErrorCode(plain) != spiker.EINTERNAL || strings.Contains(spiker.ErrorMessage(plain), "disk") {
		t.Errorf("plain error leaks: %q %q", spiker.ErrorCode(plain), spiker.ErrorMessage(plain))
	}
	if spiker.ErrorCode(nil) != "" || spiker.ErrorMessage(nil) != "" {
		t.Error("nil error has a code or message")
	}
}

func TestRegionHelpers(t *testing.T) {
	r := spiker.Region{Code: "35.24.22.1012", Name: "Sukorejo"}
	if r.Level() != spiker.LevelVillage || r.ParentCode() != "35.24.22" || !r.IsKelurahan() {
		t.Errorf("%+v: level %d parent %q kelurahan %v", r, r.Level(), r.ParentCode(), r.IsKelurahan())
	}
	if (spiker.Region{Code: "35.24.22.2001"}).IsKelurahan() || (spiker.Region{Code: "35.24"}).IsKelurahan() {
		t.Error("a desa or regency counted as kelurahan")
	}
	if spiker.ParentRegionCode("35") != "" {
		t.Error("a province has a parent")
	}
	for _, tc := range []struct {
		outer, inner string
		want         bool
	}{
		{"35.24", "35.24", true},
		{"35.24", "35.24.22.2001", true},
		{"35.24", "35.241", false},
		{"35.24.2", "35.24.22", false},
		{"35.24.22", "35.24", false},
	} {
		if got := spiker.RegionContains(tc.outer, tc.inner); got != tc.want {
			t.Errorf("RegionContains(%q, %q) = %v", tc.outer, tc.inner, got)
		}
	}
	for code, want := range map[string]bool{
		"35": true, "35.24": true, "35.24.22": true, "35.24.22.1012": true,
		"": false, "3": false, "35.2": false, "35.24.22.101": false, "35.24.22.1012.01": false, "3a.24": false, "35-24": false,
	} {
		if got := spiker.ValidRegionCodeSyntax(code); got != want {
			t.Errorf("ValidRegionCodeSyntax(%q) = %v", code, got)
		}
	}
}

func TestUserValidate(t *testing.T) {
	valid := func() *spiker.User {
		return &spiker.User{Username: "siti.aminah", Roles: []spiker.Role{spiker.RoleKonselorPiket}, RegionCode: "35.24", PasswordHash: "h"}
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*spiker.User){
		"short username": func(u *spiker.User) { u.Username = "ab" },
		"uppercase":      func(u *spiker.User) { u.Username = "Siti" },
		"space":          func(u *spiker.User) { u.Username = "siti aminah" },
		"no roles":       func(u *spiker.User) { u.Roles = nil },
		"unknown role":   func(u *spiker.User) { u.Roles = []spiker.Role{"root"} },
		"duplicate role": func(u *spiker.User) { u.Roles = append(u.Roles, spiker.RoleKonselorPiket) },
		"bad region":     func(u *spiker.User) { u.RegionCode = "Lamongan" },
	} {
		u := valid()
		mutate(u)
		if err := u.Validate(); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"":                            false,
		"elevenchars":                 false,
		"twelve chars":                true,
		"kata sandi yang panjang":     true,
		"sebelas🙂🙂🙂🙂🙂":                true, // 12 runes
		strings.Repeat("x", 257):      false,
		"\xff\xfe invalid utf8 bytes": false,
	} {
		if err := spiker.ValidatePassword(pw); (err == nil) != ok {
			t.Errorf("ValidatePassword(%q) = %v", pw, err)
		}
	}
}

func TestTimeZone(t *testing.T) {
	for code, want := range map[string]string{"35.24": "WIB", "51.71": "WITA", "73.71": "WITA", "94.71": "WIT", "11.01": "WIB", "62.01": "WIB"} {
		if got, _ := time.Now().In(spiker.TimeZone(code)).Zone(); got != want {
			t.Errorf("TimeZone(%s) = %s, want %s", code, got, want)
		}
	}
}

func TestCheckPasswordStrength(t *testing.T) {
	spiker.SetLocalPasswordWords([]string{"lamongan", "sukorame", "paciran", "babat"})
	for _, c := range []struct {
		pw, key string // key "" = accepted
	}{
		{"Bismillah123", "password.err.common"},
		{"PASSWORD1234", "password.err.common"},
		{"kata sandi saya", "password.err.common"},
		{"aaaaaaaaaaaaaaa", "password.err.repeats"},
		{"abababababab", "password.err.repeats"},
		{"123456789012", "password.err.common"},
		{"1357924680135", "password.err.guessable"},
		{"abcdefghijklmn", "password.err.sequence"},
		{"siti.aminah-2026", "password.err.name"}, // the username
		// Issue 16: each was accepted by the list alone.
		{"Lamongan2026!", "password.err.guessable"},
		{"Password123!", "password.err.guessable"},
		{"dinaspppa2026", "password.err.guessable"},
		{"Sayangku2025!!", "password.err.guessable"},
		{"Merdeka1945!!", "password.err.guessable"},
		{"Paciran.Babat2026", "password.err.guessable"}, // kecamatan of the regency
		{"UPTD-PPA-Lamongan", "password.err.guessable"},
		{"rahasia cinta indonesia", "password.err.guessable"},
		// Random words, as the refusals advise.
		{"kopi tubruk di pasar sapi", ""},
		{"jembatan bengawan solo lama", ""},
		{"jeruk layang sepatu pelangi", "password.err.common"}, // the messages' example
		{"kata sandi yang panjang", "password.err.guessable"},
		{"tubruk pasar sapi kabut", ""},
		{"korek Sambal tiang-kabut", ""},
		{"XkP9#mq2LzR!w", ""},
	} {
		err := spiker.CheckPasswordStrength(c.pw, "siti.aminah")
		if c.key == "" {
			if err != nil {
				t.Errorf("CheckPasswordStrength(%q) refused a strong password: %v", c.pw, err)
			}
			continue
		}
		if got := spiker.ErrorFields(err)["password"]; spiker.ErrorCode(err) != spiker.EINVALID || got != c.key {
			t.Errorf("CheckPasswordStrength(%q) = %v (field %q), want %s", c.pw, err, got, c.key)
			continue
		}
		// Indonesian first, saying how to fix it; then English.
		msg := spiker.ErrorMessage(err)
		id, en := strings.Index(msg, "Gunakan beberapa kata acak"), strings.Index(msg, "Use a few random, unrelated words")
		if !strings.HasPrefix(msg, "Kata sandi") || id < 0 || en < id {
			t.Errorf("CheckPasswordStrength(%q) message %q", c.pw, msg)
		}
	}
	// The refusal names what made it guessable.
	msg := spiker.ErrorMessage(spiker.CheckPasswordStrength("dinaspppa2026", ""))
	for _, w := range []string{"„dinas”", "„pppa”", "„2026” (tahun)", "„2026” (year)"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not name %s", msg, w)
		}
	}
}

func TestRoles(t *testing.T) {
	// An unknown role is refused naming the accepted ids.
	u := &spiker.User{Username: "budi", Roles: []spiker.Role{"Admin"}, RegionCode: "35.24"}
	if err := u.Validate(); spiker.ErrorCode(err) != spiker.EINVALID || !strings.Contains(err.Error(), "konselor_piket") || spiker.ErrorFields(err)["roles"] == "" {
		t.Errorf("Validate(role Admin) = %v", err)
	}
	// DESIGN.md §1's eleven and the data protection officer (issue 16).
	if len(spiker.Roles) != 12 {
		t.Errorf("%d roles, DESIGN.md §1 has 11 and the data protection officer makes 12", len(spiker.Roles))
	}
}
