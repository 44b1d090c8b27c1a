package web

import (
	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/letter"
	"github.com/spikerperak/spiker/internal/locale"
)

// summaryProtection is the summary's section on legal protection: the
// case's risk level, its protection orders and restitusi, which a court or
// a hospital needs to see at once. Notes may name people, so they go only
// into the full version; the safety plan never goes on paper.
func summaryProtection(p locale.Printer, c *spiker.Case, full bool) letter.Section {
	sec := letter.Section{Heading: p.Text("protect.heading")}
	risk := p.Text("risk.not_assessed")
	if c.Risk != "" {
		risk = p.Text("risk." + c.Risk)
	}
	sec.Fields = append(sec.Fields, letter.Field{Label: p.Text("risk.case_risk"), Value: risk})
	for _, o := range c.ProtectionOrders {
		v := p.Text("protect.issuer."+o.Issuer) + ", " + longDay("id", o.StartsOn) + " – " + longDay("id", o.EndsOn) +
			" (" + p.Text("protect.status."+o.Status) + ")"
		if full && o.Notes != "" {
			v += ". " + o.Notes
		}
		sec.Fields = append(sec.Fields, letter.Field{Label: p.Text("protect.kind." + o.Kind), Value: v})
	}
	for _, r := range c.Restitutions {
		v := p.Text("protect.rest_requested") + " " + longDay("id", r.RequestedOn) + ": " + formatRupiah(r.AmountRequested)
		if r.DecidedOn != "" {
			v += "; " + p.Text("protect.rest_decided") + " " + longDay("id", r.DecidedOn) + ": " + formatRupiah(r.AmountDecided)
		} else {
			v += "; " + p.Text("protect.rest_not_decided")
		}
		if r.Payment != "" {
			v += "; " + p.Text("protect.payment."+r.Payment)
		}
		if full && r.Notes != "" {
			v += ". " + r.Notes
		}
		sec.Fields = append(sec.Fields, letter.Field{Label: p.Text("protect.restitution"), Value: v})
	}
	if len(c.ProtectionOrders) == 0 && len(c.Restitutions) == 0 {
		sec.Fields = append(sec.Fields, letter.Field{Label: p.Text("protect.orders"), Value: p.Text("protect.no_orders")})
	}
	return sec
}
