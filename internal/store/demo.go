package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// DemoBatch stores synthetic reports, each encrypted under its own key and
// sealed to the holder groups (and escrow) exactly as real ones, and opens
// a case for some of them as actor, with a SIMFONI record of one victim and
// one perpetrator. Every row is written by the functions the services
// write it with (insertReport, insertCase, insertVictim, ...) and counted
// by theirs, so the demo follows the schema. What is left out is what
// would make a million rows slow or noisy: a receipt (an Argon2id each),
// the new-report alerts and clocks (the reports are up to two years old),
// and an audit entry each (one per batch instead). The summary counts are
// summed over the batch and written once per key. It is for
// demonstrations and benchmarks, never for real data.
func (s ReportService) DemoBatch(ctx context.Context, actor *spiker.Actor, reports []*spiker.Report, caseEvery int) (cases int, err error) {
	type sealed struct {
		r   *spiker.Report
		k   vault.DataKey
		row reportRow
		c   *spiker.Case
		ck  vault.DataKey
		cr  caseRow
		// The case's SIMFONI record, from the report.
		victim spiker.CaseVictim
		perp   spiker.CasePerpetrator
	}
	var items []sealed
	for i, r := range reports {
		r.ID, r.Status = newID(), spiker.ReportNew
		it := sealed{r: r, k: vault.NewDataKey()}
		it.row = sealReport(it.k, r.ID, r.Content)
		if caseEvery > 0 && i%caseEvery == 0 {
			age := max(r.VictimAge, 0)
			it.victim = spiker.CaseVictim{ID: newID(), Name: r.Content.VictimName, Sex: r.VictimSex, Age: age, AgeGroup: spiker.AgeGroup(age),
				ViolenceTypes: r.ViolenceTypes, Place: spiker.TempatKejadian[i%len(spiker.TempatKejadian)], Consent: spiker.ConsentByVictim,
				IncidentDate: r.CreatedAt.Format(time.DateOnly), DesaCode: r.RegionCode, KDRT: r.Relationship == "Suami/Istri"}
			it.perp = spiker.CasePerpetrator{ID: newID(), VictimID: it.victim.ID, Sex: "Laki-laki", AgeGroup: "25-59", Relationship: r.Relationship}
			it.c = &spiker.Case{ID: newID(), CreatedAt: r.CreatedAt.Add(time.Hour), RegionCode: r.RegionCode, ReportIDs: []string{r.ID},
				OpenedBy: actor.UserID, Status: spiker.CaseOpen, Step: spiker.CaseSteps[2], TPKS: spiker.VictimMakesTPKS(&it.victim),
				Content: spiker.CaseContent{Summary: "Kasus demo: " + strings.Join(r.ViolenceTypes, ", "), VictimName: r.Content.VictimName}}
			it.ck = vault.NewDataKey()
			it.cr = caseRow{summary: it.ck.SealString(caseField(it.c.ID, "summary"), it.c.Content.Summary),
				victimName: it.ck.SealString(caseField(it.c.ID, "victim_name"), it.c.Content.VictimName)}
		}
		items = append(items, it)
	}
	me, ok := [32]byte{}, actor.Key != nil
	if ok {
		me = [32]byte(vault.PublicOf(vault.PrivateKey(*actor.Key)))
	}
	// The summary counts of the batch, added once per key at the end.
	type statKey struct{ month, region, dim, value string }
	counts := map[statKey]int64{}
	add := func(month, region string, delta int64, dim string, values ...string) error {
		for _, v := range values {
			counts[statKey{month, region, dim, v}] += delta
		}
		return nil
	}
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		limits, err := timeLimits(ctx, tx)
		if err != nil {
			return err
		}
		for _, it := range items {
			r := it.r
			if err := insertReport(ctx, tx, r, it.row, reportReceipt{}); err != nil {
				return err
			}
			if err := grantStandard(ctx, tx, kindReport, r.ID, it.k, "demo", GroupIntake, GroupSupervisors); err != nil {
				return err
			}
			if it.c == nil || !ok {
				continue
			}
			c, at, channel := it.c, it.c.CreatedAt, string(r.Channel)
			if c.Number, err = nextCaseNumber(ctx, tx, c.RegionCode, at.In(s.zone()).Year()); err != nil {
				return err
			}
			if err := insertCase(ctx, tx, c, it.cr, channel); err != nil {
				return err
			}
			// Opening the case is the report's first response.
			if err := linkReport(ctx, tx, r.ID, c.ID, at); err != nil {
				return err
			}
			if err := grant(ctx, tx, kindCase, c.ID, holderUser, fmt.Sprint(actor.UserID), vault.PublicKey(me), it.ck, "demo"); err != nil {
				return err
			}
			if err := grantStandard(ctx, tx, kindCase, c.ID, it.ck, "demo", GroupSupervisors); err != nil {
				return err
			}
			if err := insertVictim(ctx, tx, it.ck, c.ID, &it.victim, at, nil, false); err != nil {
				return err
			}
			if err := insertPerpetrator(ctx, tx, it.ck, c.ID, &it.perp, at); err != nil {
				return err
			}
			m := s.month(at)
			if err := errors.Join(s.caseOpenedCounts(add, c, channel), victimCounts(add, m, c.RegionCode, &it.victim, 1),
				add(m, c.RegionCode, 1, statRelation, it.perp.Relationship),
				s.firstResponseCounts(add, r.CreatedAt, at, r.RegionCode, r.Risiko, limits.FirstResponse)); err != nil {
				return err
			}
			cases++
		}
		for k, n := range counts {
			if err := bump(ctx, tx, k.month, k.region, n, k.dim, k.value); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "demo.generate", "report", "", fmt.Sprintf("%d reports, %d cases", len(items), cases))
	})
	return cases, err
}

// DemoReport makes one realistic synthetic report in a desa of the given
// kecamatan list, at a random moment of the last two years.
func DemoReport(rng *rand.Rand, desa []string, now time.Time) *spiker.Report {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	names := []string{"Siti", "Nur", "Dewi", "Ani", "Rina", "Wati", "Lestari", "Ayu", "Putri", "Rahma", "Budi", "Agus"}
	stories := []string{
		"Korban dipukul oleh suaminya setelah bertengkar soal uang.",
		"Anak dipaksa bekerja dan tidak diizinkan sekolah.",
		"Korban menerima ancaman dan pesan tidak senonoh lewat HP.",
		"Tetangga melihat anak sering dibentak dan ditelantarkan.",
		"Korban disentuh tanpa izin oleh rekan kerja.",
	}
	age := rng.IntN(70)
	return &spiker.Report{
		CreatedAt: now.Add(-time.Duration(rng.Int64N(int64(730 * 24 * time.Hour)))), Channel: spiker.ReportChannels[rng.IntN(len(spiker.ReportChannels))],
		RegionCode: pick(desa), InDanger: rng.IntN(10) == 0, ReporterRole: spiker.ReporterRoles[rng.IntN(4)],
		ViolenceTypes: []string{pick(spiker.JenisKekerasan)}, VictimSex: pick(spiker.JenisKelamin), VictimAge: age, VictimAgeGroup: spiker.AgeGroup(age),
		Relationship: pick(spiker.HubunganPelaku), Consent: true,
		Content: spiker.ReportContent{Narrative: pick(stories), PlaceDetail: "Dusun " + pick(names),
			VictimName: pick(names) + " " + pick(names)},
	}
}
