package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// DemoBatch stores synthetic reports, each encrypted under its own key and
// sealed to the holder groups (and escrow) exactly as real ones, and opens
// a case for some of them as actor. Demo reports have no receipt (that
// would cost an Argon2id each) and their creation is audited once per
// batch. It is for demonstrations and benchmarks, never for real data.
func (s ReportService) DemoBatch(ctx context.Context, actor *spiker.Actor, reports []*spiker.Report, caseEvery int) (cases int, err error) {
	type sealed struct {
		r   *spiker.Report
		k   vault.DataKey
		row reportRow
		c   *spiker.Case
		ck  vault.DataKey
		cr  caseRow
		// victim is the case's SIMFONI record, from the report.
		victim spiker.CaseVictim
	}
	var items []sealed
	for i, r := range reports {
		r.ID, r.Status = newID(), spiker.ReportNew
		it := sealed{r: r, k: vault.NewDataKey()}
		it.row = sealReport(it.k, r.ID, r.Content)
		if caseEvery > 0 && i%caseEvery == 0 {
			it.c = &spiker.Case{ID: newID(), RegionCode: r.RegionCode, ReportIDs: []string{r.ID}, Status: spiker.CaseOpen, Step: spiker.CaseSteps[2],
				Content: spiker.CaseContent{Summary: "Kasus demo: " + strings.Join(r.ViolenceTypes, ", "), VictimName: r.Content.VictimName}}
			it.ck = vault.NewDataKey()
			age := max(r.VictimAge, 0)
			it.victim = spiker.CaseVictim{ID: newID(), Sex: r.VictimSex, Age: age, AgeGroup: spiker.AgeGroup(age), ViolenceTypes: r.ViolenceTypes,
				Place: spiker.TempatKejadian[i%len(spiker.TempatKejadian)], Consent: spiker.ConsentByVictim, IncidentDate: r.CreatedAt.Format(time.DateOnly),
				KDRT: r.Relationship == "Suami/Istri"}
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
	count := func(month, region, dim string, values ...string) {
		for _, v := range values {
			counts[statKey{month, region, dim, v}]++
		}
	}
	err = s.DB.Update(ctx, func(tx *Tx) error {
		for _, it := range items {
			r := it.r
			if _, err := tx.Exec(ctx, `INSERT INTO reports (id, created_at, channel, region_code, in_danger, status,
				narrative, place_detail, victim_name, contact, reporter_role, violence_types, incident_date, victim_sex, victim_age,
				victim_age_group, relationship, contact_wanted, consent)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
				r.ID, r.CreatedAt, string(r.Channel), r.RegionCode, r.InDanger, string(r.Status),
				[]byte(it.row.narrative), []byte(it.row.placeDetail), []byte(it.row.victimName), []byte(it.row.contact),
				string(r.ReporterRole), strings.Join(r.ViolenceTypes, ";"), r.IncidentDate, r.VictimSex, r.VictimAge,
				spiker.AgeGroup(max(r.VictimAge, 0)), r.Relationship, r.ContactWanted, r.Consent); err != nil {
				return err
			}
			if err := grantStandard(ctx, tx, kindReport, r.ID, it.k, "demo", GroupIntake, GroupSupervisors); err != nil {
				return err
			}
			if it.c == nil || !ok {
				continue
			}
			c := it.c
			number, err := nextCaseNumber(ctx, tx, c.RegionCode, r.CreatedAt.Year())
			if err != nil {
				return err
			}
			at := r.CreatedAt.Add(time.Hour)
			if _, err := tx.Exec(ctx, `INSERT INTO cases (id, created_at, region_code, status, opened_by, summary, victim_name, number, step, tpks, channel)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, c.ID, at, c.RegionCode, c.Status, actor.UserID,
				[]byte(it.cr.summary), []byte(it.cr.victimName), number, c.Step, strings.Contains(strings.Join(r.ViolenceTypes, ";"), "Seksual"), string(r.Channel)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE reports SET status = $1, case_id = $2, first_response_at = $3 WHERE id = $4`, string(spiker.ReportCase), c.ID, at, r.ID); err != nil {
				return err
			}
			if err := grant(ctx, tx, kindCase, c.ID, holderUser, fmt.Sprint(actor.UserID), vault.PublicKey(me), it.ck, "demo"); err != nil {
				return err
			}
			if err := grantStandard(ctx, tx, kindCase, c.ID, it.ck, "demo", GroupSupervisors); err != nil {
				return err
			}
			// The SIMFONI record: one victim and one perpetrator, their
			// names sealed like real ones, categories from the report.
			v := it.victim
			if _, err := tx.Exec(ctx, `INSERT INTO case_victims (id, case_id, created_at, sex, age, age_group, education, occupation, marital,
				disability, disability_types, violence_types, sexual_forms, place, incident_date, desa_code, kdrt, consent,
				name, nik, nik_index, accommodation, consent_override)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, NULL, $21, $22)`,
				v.ID, c.ID, at, v.Sex, v.Age, v.AgeGroup, v.Education, v.Occupation, v.Marital, v.Disability, "", strings.Join(v.ViolenceTypes, ";"),
				strings.Join(v.SexualForms, ";"), v.Place, v.IncidentDate, r.RegionCode, v.KDRT, v.Consent,
				[]byte(it.ck.SealString(victimField(v.ID, "name"), r.Content.VictimName)), []byte(it.ck.SealString(victimField(v.ID, "nik"), "")),
				[]byte(it.ck.SealString(victimField(v.ID, "accommodation"), "")), []byte(it.ck.SealString(victimField(v.ID, "consent_override"), ""))); err != nil {
				return err
			}
			pid := newID()
			if _, err := tx.Exec(ctx, `INSERT INTO case_perpetrators (id, case_id, victim_id, created_at, sex, age_group, relationship, name)
				VALUES ($1, $2, $3, $4, 'Laki-laki', '25-59', $5, $6)`, pid, c.ID, v.ID, at, r.Relationship, []byte(it.ck.SealString(perpField(pid), ""))); err != nil {
				return err
			}
			m := s.month(at)
			count(m, c.RegionCode, statCases, all)
			count(m, c.RegionCode, statChannel, string(r.Channel))
			count(m, c.RegionCode, statVictims, all)
			count(m, c.RegionCode, statSex, v.Sex)
			count(m, c.RegionCode, statAge, v.AgeGroup)
			count(m, c.RegionCode, statType, v.ViolenceTypes...)
			count(m, c.RegionCode, statPlace, v.Place)
			count(m, c.RegionCode, statDisability, "Tidak")
			count(m, c.RegionCode, "kdrt", map[bool]string{true: "Ya", false: "Tidak"}[v.KDRT])
			count(m, c.RegionCode, statRelation, r.Relationship)
			count(m, c.RegionCode, statResponse, "belum:dalam")
			counts[statKey{m, c.RegionCode, statRespMin, "belum"}] += 60
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
		ViolenceTypes: []string{pick(spiker.JenisKekerasan)}, VictimSex: pick(spiker.JenisKelamin), VictimAge: age,
		Relationship: pick(spiker.HubunganPelaku), Consent: true,
		Content: spiker.ReportContent{Narrative: pick(stories), PlaceDetail: "Dusun " + pick(names),
			VictimName: pick(names) + " " + pick(names)},
	}
}
