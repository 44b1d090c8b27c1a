package web

import (
	"context"
	"slices"
	"strings"

	"github.com/spikerperak/spiker"
)

// victimChoices is what the victim form (add or correct) offers beyond
// the SIMFONI lists: the office's categories, the AMPK categories and the
// desa of the case's kecamatan, with the record's current choices marked
// and the errors of this form.
type victimChoices struct {
	ID     string // the victim corrected; "" on the add form
	Office []officeChoice
	AMPK   []ampkOption
	// AMPKSelected is the record's AMPK label.
	AMPKSelected string
	// Desa lists the desa to choose from: the case's kecamatan's, or the
	// regency's by kecamatan while the case has none.
	Desa         []kecamatanOption
	DesaSelected string
	// DesaKept is the record's desa when it is not among Desa (the case
	// moved since): offered so that it is kept unless changed.
	DesaKept string
	Errors   map[string]string
}

// officeChoice is one office category on a victim form.
type officeChoice struct {
	spiker.OfficeCategory
	Checked bool
}

// victimChoicesFor builds the choices of the add form (v nil) or of a
// victim's correction form. An inactive category is offered only where the
// record has it, so that a correction keeps it.
func (s *Server) victimChoicesFor(office []spiker.OfficeCategory, caseRegion string, v *spiker.CaseVictim, errs map[string]string) victimChoices {
	vc := victimChoices{AMPK: ampkOptions, Errors: errs}
	if v == nil {
		v = &spiker.CaseVictim{}
	}
	vc.ID, vc.AMPKSelected, vc.DesaSelected = v.ID, v.AMPK, v.DesaCode
	for _, c := range office {
		checked := slices.Contains(v.OfficeCategories, c.ID)
		if c.Active || checked {
			vc.Office = append(vc.Office, officeChoice{OfficeCategory: c, Checked: checked})
		}
	}
	kec := spiker.KecamatanOf(caseRegion)
	for _, k := range s.kecamatan() {
		if kec == "" || k.Region.Code == kec {
			vc.Desa = append(vc.Desa, k)
		}
	}
	if v.DesaCode != "" && (kec == "" && !strings.HasPrefix(v.DesaCode, s.RegionCode+".") || kec != "" && spiker.KecamatanOf(v.DesaCode) != kec) {
		vc.DesaKept = v.DesaCode
	}
	return vc
}

// caseVictimChoices builds the add form's choices and each victim's, and
// the office categories' current names by id.
func (s *Server) caseVictimChoices(ctx context.Context, c *spiker.Case, errs map[string]string) (add victimChoices, byVictim map[string]victimChoices, names map[string]string, err error) {
	var office []spiker.OfficeCategory
	if s.Network != nil {
		if office, err = s.Network.OfficeCategories(ctx); err != nil {
			return add, nil, nil, err
		}
	}
	names = map[string]string{}
	for _, o := range office {
		names[o.ID] = o.Name
	}
	// The add form shows its errors beside the fields; a correction form
	// lists them above its button (correction_errors).
	addErrs := map[string]string{}
	if errs["correction_target"] == "" {
		addErrs = errs
	}
	add = s.victimChoicesFor(office, c.RegionCode, nil, addErrs)
	byVictim = map[string]victimChoices{}
	for i := range c.Victims {
		byVictim[c.Victims[i].ID] = s.victimChoicesFor(office, c.RegionCode, &c.Victims[i], map[string]string{})
	}
	// The history names categories as they are called now.
	for i := range c.Corrections {
		for j, ch := range c.Corrections[i].Changes {
			if ch.Field == "office_categories" {
				c.Corrections[i].Changes[j].Before, c.Corrections[i].Changes[j].After = categoryNames(names, ch.Before), categoryNames(names, ch.After)
			}
		}
	}
	return add, byVictim, names, nil
}

// categoryNames turns a history value (ids joined by ", ") into names.
func categoryNames(names map[string]string, ids string) string {
	if ids == "" {
		return ""
	}
	parts := strings.Split(ids, ", ")
	for i, id := range parts {
		if n, ok := names[id]; ok {
			parts[i] = n
		}
	}
	return strings.Join(parts, ", ")
}
