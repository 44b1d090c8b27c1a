package spiker

import (
	_ "embed"
	"strings"
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

// CheckPasswordStrength refuses a password that is common, made of very
// few distinct characters, a run like 1234567890ab, or built on the
// username or the service's name. Length is ValidatePassword's job.
func CheckPasswordStrength(pw, username string) error {
	lower := strings.ToLower(pw)
	squashed := strings.Join(strings.Fields(lower), "")
	distinct := map[rune]bool{}
	for _, c := range lower {
		distinct[c] = true
	}
	switch {
	case commonPasswords[lower] || commonPasswords[squashed]:
		return Errorf(EINVALID, "this password is one that many people use; choose another (a few unrelated words together work well)")
	case len(distinct) < 5:
		return Errorf(EINVALID, "this password repeats too few characters; choose another (a few unrelated words together work well)")
	case isRun(squashed):
		return Errorf(EINVALID, "this password is a simple sequence; choose another (a few unrelated words together work well)")
	case username != "" && strings.Contains(squashed, strings.ToLower(username)),
		strings.Contains(squashed, "spikerperak"), strings.Contains(squashed, "spiker"):
		return Errorf(EINVALID, "the password must not contain your username or the service's name")
	}
	return nil
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
