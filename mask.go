package spiker

import "strings"

// Identity fields are masked wherever a record is shown (the web pages and
// the staff API alike) and revealed only by a request of its own, which is
// its own audit entry (DESIGN.md §4.4).

// MaskName hides a name behind its initials ("Siti Aminah" → "S. A.").
func MaskName(s string) string {
	var out []string
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		out = append(out, string(r[0])+".")
	}
	return strings.Join(out, " ")
}

// MaskContact keeps only the last four characters of a phone number or an
// address.
func MaskContact(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 4 {
		return strings.Repeat("•", len(r))
	}
	return strings.Repeat("•", len(r)-4) + string(r[len(r)-4:])
}

// MaskIdentity masks every identity a case holds: the victim's name on the
// case and the names and NIKs of its victims' and perpetrators' records.
func (c *Case) MaskIdentity() {
	c.Content.VictimName = MaskName(c.Content.VictimName)
	for i := range c.Victims {
		c.Victims[i].Name = MaskName(c.Victims[i].Name)
		c.Victims[i].NIK = MaskContact(c.Victims[i].NIK)
	}
	for i := range c.Perpetrators {
		c.Perpetrators[i].Name = MaskName(c.Perpetrators[i].Name)
	}
	for i := range c.Corrections {
		for j, f := range c.Corrections[i].Changes {
			switch f.Field {
			case "name":
				f.Before, f.After = MaskName(f.Before), MaskName(f.After)
			case "nik":
				f.Before, f.After = MaskContact(f.Before), MaskContact(f.After)
			}
			c.Corrections[i].Changes[j] = f
		}
	}
}
