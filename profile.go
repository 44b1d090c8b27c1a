package spiker

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Profile is how a staff member is named on the letters they sign: their
// full name, their position (jabatan) and, for a civil servant, their NIP
// (Nomor Induk Pegawai). It is not protected content: it names the office's
// own staff, as a signed letter does.
type Profile struct {
	FullName string // e.g. "Dra. Siti Rahayu, M.Si."
	Position string // jabatan, e.g. "Kepala UPTD PPA"
	NIP      string // 18 digits, or "" for staff who are not civil servants
}

// Bounds of the profile's text fields.
const (
	MaxProfileName     = 120
	MaxProfilePosition = 120
)

// Normalize trims the fields and strips the spaces and dots people write
// a NIP with ("19800101 200501 1 001").
func (p *Profile) Normalize() {
	p.FullName = strings.Join(strings.Fields(p.FullName), " ")
	p.Position = strings.Join(strings.Fields(p.Position), " ")
	p.NIP = strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, p.NIP)
}

// Validate checks a normalized profile. A NIP, when given, is 18 digits:
// the date of birth (YYYYMMDD), the month of appointment (YYYYMM), the sex
// (1 or 2) and a three-digit sequence number (PP 11/2017, BKN).
func (p *Profile) Validate() error {
	f := map[string]string{}
	if utf8.RuneCountInString(p.FullName) > MaxProfileName || !printable(p.FullName) {
		f["full_name"] = "profile.err.full_name"
	}
	if utf8.RuneCountInString(p.Position) > MaxProfilePosition || !printable(p.Position) {
		f["position"] = "profile.err.position"
	}
	if p.NIP != "" {
		if key := nipProblem(p.NIP); key != "" {
			f["nip"] = key
		} else if p.FullName == "" {
			f["full_name"] = "profile.err.name_for_nip"
		}
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the profile is not valid: a NIP is 18 digits (date of birth, month of appointment, sex 1 or 2, sequence) and needs a full name", Fields: f}
	}
	return nil
}

// nipProblem returns the catalog key of what is wrong with a NIP, or "".
func nipProblem(nip string) string {
	if len(nip) != 18 {
		return "profile.err.nip_length"
	}
	for _, c := range nip {
		if c < '0' || c > '9' {
			return "profile.err.nip_digits"
		}
	}
	if _, err := time.Parse("20060102", nip[:8]); err != nil {
		return "profile.err.nip_birth"
	}
	if _, err := time.Parse("200601", nip[8:14]); err != nil {
		return "profile.err.nip_appointment"
	}
	if nip[14] != '1' && nip[14] != '2' {
		return "profile.err.nip_sex"
	}
	if nip[15:] == "000" {
		return "profile.err.nip_sequence"
	}
	return ""
}

// FormatNIP writes a NIP the way official letters do:
// "19800101 200501 1 001". Anything that is not 18 characters is returned
// as it is.
func FormatNIP(nip string) string {
	if len(nip) != 18 {
		return nip
	}
	return nip[:8] + " " + nip[8:14] + " " + nip[14:15] + " " + nip[15:]
}

// printable reports whether s holds no control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
