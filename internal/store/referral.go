package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

func referralField(id, column string) vault.Field {
	return vault.Field{Table: "referrals", Column: column, Record: id}
}

// CreateReferral builds the packet of the selected fields from the case
// record and seals it to the agency. The agency receives nothing else: not
// the case key, not the reports.
func (s NetworkService) CreateReferral(ctx context.Context, actor *spiker.Actor, q *spiker.ReferralRequest) (*spiker.Referral, error) {
	q.Kind = spiker.KindRujukan
	return s.sendPacket(ctx, actor, spiker.PermCaseWrite, "case.referral", q)
}

// TransferCase records a pelimpahan to another office and closes the case
// here with it; the transfer letter carries the selected fields.
func (s NetworkService) TransferCase(ctx context.Context, actor *spiker.Actor, q *spiker.ReferralRequest) (*spiker.Referral, error) {
	q.Kind = spiker.KindPelimpahan
	return s.sendPacket(ctx, actor, spiker.PermCaseApprove, "case.transfer", q)
}

func (s NetworkService) sendPacket(ctx context.Context, actor *spiker.Actor, perm spiker.Permission, action string, q *spiker.ReferralRequest) (*spiker.Referral, error) {
	r := &spiker.Referral{}
	err := CaseService(s).withCase(ctx, actor, perm, q.CaseID, action, true, func(tx *sqldb.Tx, st *caseState, k vault.DataKey) (string, error) {
		if st.status != spiker.CaseOpen {
			return "", spiker.Errorf(spiker.ECONFLICT, "the case is not open")
		}
		if err := q.Validate(tx.Now().In(s.zone())); err != nil {
			return "", err
		}
		c := &spiker.Case{ID: q.CaseID}
		if err := loadRecord(ctx, tx, k, c); err != nil {
			return "", err
		}
		var summary vault.Ciphertext
		if err := tx.Get(ctx, `SELECT summary, number FROM cases WHERE id = $1`, []any{q.CaseID}, (*[]byte)(&summary), &r.CaseNumber); err != nil {
			return "", err
		}
		var err error
		if c.Content.Summary, err = k.OpenString(caseField(q.CaseID, "summary"), summary); err != nil {
			return "", err
		}
		packet, err := buildPacket(c, q)
		if err != nil {
			return "", err
		}
		*r = spiker.Referral{ID: newID(), CaseID: q.CaseID, CaseNumber: r.CaseNumber, Kind: q.Kind, AgencyID: q.AgencyID, Destination: strings.TrimSpace(q.Destination),
			Service: q.Service, DueDate: q.DueDate, Status: spiker.ReferralSent, Fields: q.Fields, Consent: q.Consent,
			CreatedAt: tx.Now(), CreatedBy: actor.UserID, Packet: packet, ConsentOverride: q.ConsentOverride}
		var agencyPub vault.PublicKey
		if q.Kind == spiker.KindRujukan {
			if agencyPub, r.AgencyName, err = agencyPublicKey(ctx, tx, q.AgencyID); err != nil {
				return "", err
			}
		} else {
			r.AgencyID, r.Service, r.DueDate, r.Status = "", "", "", spiker.ReferralTransfer
		}
		pk := vault.NewDataKey()
		body, _ := json.Marshal(packet)
		if _, err := tx.Exec(ctx, `INSERT INTO referrals (id, case_id, kind, agency_id, destination, service, due_date, status, fields, consent,
			consent_override, packet, key_case, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			r.ID, r.CaseID, r.Kind, nullString(r.AgencyID), r.Destination, r.Service, r.DueDate, r.Status, strings.Join(r.Fields, ";"), r.Consent,
			[]byte(k.SealString(referralField(r.ID, "consent_override"), r.ConsentOverride)),
			[]byte(pk.Seal(referralField(r.ID, "packet"), body)),
			[]byte(k.Seal(referralField(r.ID, "key_case"), pk[:])), r.CreatedBy, r.CreatedAt); err != nil {
			return "", err
		}
		if q.Kind == spiker.KindRujukan {
			if err := grant(ctx, tx, kindReferral, r.ID, holderGroup, agencyGroup(r.AgencyID), agencyPub, pk, actor.Username); err != nil {
				return "", err
			}
			if err := caseDeadline(ctx, tx, spiker.ClockReferral, r.CaseID, r.ID, r.DueDate, s.zone()); err != nil {
				return "", err
			}
			if err := s.countCaseDimension(ctx, tx, r.CaseID, statReferral, r.AgencyID+":"+spiker.ReferralSent, 1); err != nil {
				return "", err
			}
			return fmt.Sprintf("referral %s to agency %s: %s, fields %s", r.ID, r.AgencyID, r.Service, strings.Join(r.Fields, ",")), nil
		}
		if err := addNote(ctx, tx, k, q.CaseID, actor, "Dilimpahkan ke "+r.Destination+": "+q.Needs); err != nil {
			return "", err
		}
		if _, err = tx.Exec(ctx, `UPDATE cases SET status = $1, step = $2, closed_at = $3 WHERE id = $4`,
			spiker.CaseClosed, spiker.CaseSteps[len(spiker.CaseSteps)-1], tx.Now(), q.CaseID); err != nil {
			return "", err
		}
		return fmt.Sprintf("transfer %s, fields %s", r.ID, strings.Join(r.Fields, ",")), s.countClosure(ctx, tx, q.CaseID, tx.Now(), 1)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// buildPacket copies exactly the selected fields of one victim's record,
// and the needs, into a packet.
func buildPacket(c *spiker.Case, q *spiker.ReferralRequest) ([]spiker.PacketItem, error) {
	var v *spiker.CaseVictim
	for i := range c.Victims {
		if c.Victims[i].ID == q.VictimID || q.VictimID == "" && i == 0 {
			v = &c.Victims[i]
		}
	}
	if v == nil {
		return nil, &spiker.Error{Code: spiker.EINVALID, Message: "record the victim on the case first", Fields: map[string]string{"victim": "referral.err.victim"}}
	}
	var out []spiker.PacketItem
	add := func(field, value string) {
		if value = strings.TrimSpace(value); value == "" {
			value = "-"
		}
		out = append(out, spiker.PacketItem{Field: field, Value: value})
	}
	selected := map[string]bool{}
	for _, f := range q.Fields {
		selected[f] = true
	}
	for _, f := range spiker.PacketFields {
		if !selected[f] {
			continue
		}
		switch f {
		case spiker.PacketVictimName:
			add(f, v.Name)
		case spiker.PacketVictimAge:
			age := "kelompok umur " + v.AgeGroup
			if v.Age >= 0 {
				age = fmt.Sprintf("%d tahun (%s)", v.Age, v.AgeGroup)
			}
			add(f, age)
		case spiker.PacketVictimSex:
			add(f, v.Sex)
		case spiker.PacketNIK:
			add(f, v.NIK)
		case spiker.PacketDisability:
			d := "Tidak"
			if v.Disability {
				d = "Ya: " + strings.Join(v.DisabilityTypes, ", ")
				if v.Accommodation != "" {
					d += ". Kebutuhan akomodasi: " + v.Accommodation
				}
			}
			add(f, d)
		case spiker.PacketViolence:
			t := strings.Join(v.ViolenceTypes, ", ")
			if len(v.SexualForms) > 0 {
				t += " (" + strings.Join(v.SexualForms, ", ") + ")"
			}
			if v.KDRT {
				t += "; KDRT"
			}
			add(f, t)
		case spiker.PacketIncident:
			var parts []string
			if v.IncidentDate != "" {
				parts = append(parts, "tanggal "+v.IncidentDate)
			}
			if v.Place != "" {
				parts = append(parts, "tempat: "+v.Place)
			}
			add(f, strings.Join(parts, "; "))
		case spiker.PacketPerpetrator:
			var ps []string
			for _, p := range c.Perpetrators {
				if p.VictimID != v.ID {
					continue
				}
				d := strings.TrimSpace(strings.Join([]string{p.Relationship, p.Sex, p.AgeGroup}, ", "))
				if p.Name != "" {
					d = p.Name + " (" + d + ")"
				}
				ps = append(ps, d)
			}
			add(f, strings.Join(ps, "; "))
		case spiker.PacketSummary:
			add(f, c.Content.Summary)
		}
	}
	add(spiker.PacketNeeds, q.Needs)
	return out, nil
}

const referralColumns = `r.id, r.case_id, c.number, r.kind, COALESCE(r.agency_id, ''), COALESCE(a.name, ''), r.destination, r.service, r.due_date,
	r.status, r.fields, r.consent, r.created_at, r.created_by, r.responded_at, r.service_date, r.completed_at`

func scanReferral(sc scanner, extra ...any) (*spiker.Referral, error) {
	r := &spiker.Referral{}
	var fields string
	var number sql.NullString
	dst := append([]any{&r.ID, &r.CaseID, &number, &r.Kind, &r.AgencyID, &r.AgencyName, &r.Destination, &r.Service, &r.DueDate,
		&r.Status, &fields, &r.Consent, &r.CreatedAt, &r.CreatedBy, &r.RespondedAt, &r.ServiceDate, &r.CompletedAt}, extra...)
	if err := sc.Scan(dst...); err != nil {
		return nil, err
	}
	r.CaseNumber = number.String
	if fields != "" {
		r.Fields = strings.Split(fields, ";")
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// scanReferralValue reads a row of referralColumns alone, for collect.
func scanReferralValue(rows *sql.Rows) (spiker.Referral, error) {
	r, err := scanReferral(rows)
	if err != nil {
		return spiker.Referral{}, err
	}
	return *r, nil
}

// referralSecrets are a referral's protected columns.
type referralSecrets struct {
	override, packet, keyCase, response, outcome []byte
}

// openReferral reads a referral, checks the policy for perm (its agency,
// or its case team) and opens its packet key: through the agency's grant
// for a partner, through the case key for the team. Refusals are audited.
func (s NetworkService) openReferral(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, perm spiker.Permission, id, action string) (*spiker.Referral, *referralSecrets, vault.DataKey, error) {
	sec := &referralSecrets{}
	rows, err := tx.Query(ctx, `SELECT `+referralColumns+`, c.region_code, r.consent_override, r.packet, r.key_case, r.response, r.outcome`+referralFrom+`
		WHERE r.id = $1`, id)
	if err != nil {
		return nil, nil, vault.DataKey{}, err
	}
	var region string
	var r *spiker.Referral
	if rows.Next() {
		r, err = scanReferral(rows, &region, &sec.override, &sec.packet, &sec.keyCase, &sec.response, &sec.outcome)
	}
	rows.Close()
	// A connection lost before the row would otherwise read as "not found".
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, nil, vault.DataKey{}, err
	}
	if r == nil {
		return nil, nil, vault.DataKey{}, spiker.Errorf(spiker.ENOTFOUND, "referral not found")
	}
	team, err := caseTeam(ctx, tx, r.CaseID)
	if err != nil {
		return nil, nil, vault.DataKey{}, err
	}
	if err := spiker.Authorize(actor, perm, spiker.Scope{RegionCode: region, Case: true, Team: team, Agency: r.AgencyID}); err != nil {
		return nil, nil, vault.DataKey{}, s.denied(ctx, tx, actor, action, r.ID, "policy", err)
	}
	var pk vault.DataKey
	if actor.HasRole(spiker.RoleMitra) && actor.AgencyID != "" && actor.AgencyID == r.AgencyID {
		pk, err = openRecordKey(ctx, tx, actor, kindReferral, r.ID)
	} else {
		var k vault.DataKey
		if k, err = openRecordKey(ctx, tx, actor, kindCase, r.CaseID); err == nil {
			var b []byte
			if b, err = k.Open(referralField(r.ID, "key_case"), sec.keyCase); err == nil && len(b) == len(pk) {
				pk = vault.DataKey(b)
				if r.ConsentOverride, err = k.OpenString(referralField(r.ID, "consent_override"), sec.override); err != nil {
					return nil, nil, vault.DataKey{}, err
				}
			}
		}
	}
	if errors.Is(err, errNotHolder) {
		return nil, nil, vault.DataKey{}, s.denied(ctx, tx, actor, action, r.ID, "no key", spiker.Errorf(spiker.EFORBIDDEN, "you hold no key to this referral"))
	} else if err != nil {
		return nil, nil, vault.DataKey{}, err
	}
	return r, sec, pk, nil
}

// errDenied carries a refusal out of a transaction that must still commit
// (its audit row).
type errDenied struct{ err error }

func (e errDenied) Error() string { return e.err.Error() }

// denied audits a refusal and returns it wrapped so the caller commits.
func (s NetworkService) denied(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, action, id, why string, err error) error {
	if aerr := s.audit(ctx, tx, actor, action+"_denied", kindReferral, id, why); aerr != nil {
		return aerr
	}
	return errDenied{err}
}

// withReferral runs fn on a referral the actor may act on, in one
// transaction with its audit row; a refusal is audited and returned.
func (s NetworkService) withReferral(ctx context.Context, actor *spiker.Actor, perm spiker.Permission, id, action string,
	fn func(*sqldb.Tx, *spiker.Referral, *referralSecrets, vault.DataKey) (string, error)) error {
	var refusal error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		r, sec, pk, err := s.openReferral(ctx, tx, actor, perm, id, action)
		var d errDenied
		if errors.As(err, &d) {
			refusal = d.err
			return nil
		} else if err != nil {
			return err
		}
		reason, err := fn(tx, r, sec, pk)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, action, kindReferral, id, reason)
	})
	if err != nil {
		return err
	}
	return refusal
}

// Referral opens a referral with its packet and answers.
func (s NetworkService) Referral(ctx context.Context, actor *spiker.Actor, id string) (*spiker.Referral, error) {
	var out *spiker.Referral
	err := s.withReferral(ctx, actor, spiker.PermReferralRead, id, "referral.read", func(tx *sqldb.Tx, r *spiker.Referral, sec *referralSecrets, pk vault.DataKey) (string, error) {
		if err := openPacket(r, sec, pk); err != nil {
			return "", err
		}
		out = r
		return "", loadResult(ctx, tx, r, pk)
	})
	return out, err
}

func openPacket(r *spiker.Referral, sec *referralSecrets, pk vault.DataKey) error {
	body, err := pk.Open(referralField(r.ID, "packet"), sec.packet)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, &r.Packet); err != nil {
		return err
	}
	if sec.response != nil {
		if r.Response, err = pk.OpenString(referralField(r.ID, "response"), sec.response); err != nil {
			return err
		}
	}
	if sec.outcome != nil {
		if r.Outcome, err = pk.OpenString(referralField(r.ID, "outcome"), sec.outcome); err != nil {
			return err
		}
	}
	return nil
}

// RespondReferral accepts a referral, or declines it with a reason.
func (s NetworkService) RespondReferral(ctx context.Context, actor *spiker.Actor, id string, accept bool, reason string) error {
	return s.withReferral(ctx, actor, spiker.PermReferralRespond, id, "referral.respond", func(tx *sqldb.Tx, r *spiker.Referral, _ *referralSecrets, pk vault.DataKey) (string, error) {
		if r.Status != spiker.ReferralSent {
			return "", spiker.Errorf(spiker.ECONFLICT, "this referral was already answered")
		}
		status := spiker.ReferralAccepted
		if !accept {
			status = spiker.ReferralDeclined
			if n := len([]rune(strings.TrimSpace(reason))); n < 5 || n > spiker.MaxMessage {
				return "", &spiker.Error{Code: spiker.EINVALID, Message: "say why the referral is declined", Fields: map[string]string{"reason": "referral.err.reason"}}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET status = $1, responded_at = $2, response = $3 WHERE id = $4`,
			status, tx.Now(), []byte(pk.SealString(referralField(id, "response"), strings.TrimSpace(reason))), id); err != nil {
			return "", err
		}
		if status == spiker.ReferralDeclined {
			return status, s.countCaseDimension(ctx, tx, r.CaseID, statReferral, r.AgencyID+":"+status, 1)
		}
		return status, nil
	})
}

// CompleteReferral records the service the partner gave and marks the
// service as delivered on the case (an entry whose text stays in the
// referral, under the packet key). A result file is stored with it, as a
// case file under the packet key (storeResultFile); a bad file stores
// nothing at all.
func (s NetworkService) CompleteReferral(ctx context.Context, actor *spiker.Actor, id, serviceDate, outcome string, result *spiker.Upload) error {
	return s.withReferral(ctx, actor, spiker.PermReferralRespond, id, "referral.complete", func(tx *sqldb.Tx, r *spiker.Referral, _ *referralSecrets, pk vault.DataKey) (string, error) {
		if r.Status != spiker.ReferralAccepted {
			return "", spiker.Errorf(spiker.ECONFLICT, "accept the referral before recording the service")
		}
		f := map[string]string{}
		if d, err := time.Parse(time.DateOnly, serviceDate); err != nil || d.After(tx.Now().Add(9*time.Hour)) {
			f["service_date"] = "referral.err.service_date"
		}
		if n := len([]rune(strings.TrimSpace(outcome))); n == 0 || n > spiker.MaxMessage {
			f["outcome"] = "referral.err.outcome"
		}
		if result != nil && (result.Kind == "" || result.Len() == 0 || result.Len() > spiker.MaxUploadSize(result.Kind)) {
			f["result"] = "report.err.file_size"
		}
		if len(f) > 0 {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "the service has fields to correct", Fields: f}
		}
		done := r.Service
		if result != nil {
			fileID, err := storeResultFile(ctx, tx, actor, r, pk, result)
			if err != nil {
				return "", err
			}
			done += ", result file " + fileID
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET status = $1, service_date = $2, outcome = $3, completed_at = $4 WHERE id = $5`,
			spiker.ReferralDone, serviceDate, []byte(pk.SealString(referralField(id, "outcome"), strings.TrimSpace(outcome))), tx.Now(), id); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_entries (id, case_id, created_at, author_id, kind, category, due_date, body, referral_id)
			VALUES ($1, $2, $3, $4, 'layanan', $5, '', $6, $7)`, newID(), r.CaseID, tx.Now(), actor.UserID, r.Service, []byte{}, id); err != nil {
			return "", err
		}
		if err := s.countCaseDimension(ctx, tx, r.CaseID, statService, r.Service, 1); err != nil {
			return "", err
		}
		return done, s.countCaseDimension(ctx, tx, r.CaseID, statReferral, r.AgencyID+":"+spiker.ReferralDone, 1)
	})
}

// WithdrawReferral takes a referral back from the agency, with a reason.
func (s NetworkService) WithdrawReferral(ctx context.Context, actor *spiker.Actor, id, reason string) error {
	return s.withReferral(ctx, actor, spiker.PermCaseWrite, id, "referral.withdraw", func(tx *sqldb.Tx, r *spiker.Referral, _ *referralSecrets, pk vault.DataKey) (string, error) {
		if !r.Open() {
			return "", spiker.Errorf(spiker.ECONFLICT, "this referral is no longer open")
		}
		if n := len([]rune(strings.TrimSpace(reason))); n < 5 || n > spiker.MaxMessage {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: "say why the referral is withdrawn", Fields: map[string]string{"reason": "referral.err.reason"}}
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET status = $1, responded_at = COALESCE(responded_at, $2), response = $3 WHERE id = $4`,
			spiker.ReferralWithdrawn, tx.Now(), []byte(pk.SealString(referralField(id, "response"), strings.TrimSpace(reason))), id); err != nil {
			return "", err
		}
		return "", s.countCaseDimension(ctx, tx, r.CaseID, statReferral, r.AgencyID+":"+spiker.ReferralWithdrawn, 1)
	})
}

// FindReferrals lists the referrals f selects.
func (s NetworkService) FindReferrals(ctx context.Context, actor *spiker.Actor, f spiker.ReferralFilter) ([]spiker.Referral, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	switch {
	case f.CaseID != "":
		return s.caseReferrals(ctx, actor, f.CaseID)
	case f.Agency:
		return s.agencyReferrals(ctx, actor)
	default:
		return s.overdueReferrals(ctx, actor)
	}
}

// referralFrom is the join every referral list reads: the case (its number
// and region) and the agency (its name).
const referralFrom = ` FROM referrals r JOIN cases c ON c.id = r.case_id LEFT JOIN agencies a ON a.id = r.agency_id`

// caseReferrals lists a case's referrals and transfers with their packets,
// for the case team.
func (s NetworkService) caseReferrals(ctx context.Context, actor *spiker.Actor, caseID string) ([]spiker.Referral, error) {
	var out []spiker.Referral
	err := CaseService(s).withCase(ctx, actor, spiker.PermCaseRead, caseID, "case.referrals", true, func(tx *sqldb.Tx, _ *caseState, k vault.DataKey) (string, error) {
		var err error
		out, err = listCaseReferrals(ctx, tx, k, caseID)
		return "", err
	})
	return out, err
}

// listCaseReferrals lists a case's referrals, their packets opened through
// the case key k.
func listCaseReferrals(ctx context.Context, tx *sqldb.Tx, k vault.DataKey, caseID string) ([]spiker.Referral, error) {
	rows, err := tx.Query(ctx, `SELECT `+referralColumns+`, r.consent_override, r.packet, r.key_case, r.response, r.outcome`+referralFrom+`
		WHERE r.case_id = $1 ORDER BY r.created_at, r.id`, caseID)
	type opened struct {
		r   *spiker.Referral
		key vault.DataKey // the referral's, for its result file
	}
	all, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (o opened, err error) {
		sec := &referralSecrets{}
		r, err := scanReferral(rows, &sec.override, &sec.packet, &sec.keyCase, &sec.response, &sec.outcome)
		if err != nil {
			return o, err
		}
		b, err := k.Open(referralField(r.ID, "key_case"), sec.keyCase)
		if err != nil || len(b) != 32 {
			return o, fmt.Errorf("referral %s: the packet key does not open: %v", r.ID, err)
		}
		if r.ConsentOverride, err = k.OpenString(referralField(r.ID, "consent_override"), sec.override); err != nil {
			return o, err
		}
		if err := openPacket(r, sec, vault.DataKey(b)); err != nil {
			return o, err
		}
		return opened{r, vault.DataKey(b)}, nil
	})
	if err != nil {
		return nil, err
	}
	// The result files are read once the rows are closed.
	var out []spiker.Referral
	for _, o := range all {
		if err := loadResult(ctx, tx, o.r, o.key); err != nil {
			return nil, err
		}
		out = append(out, *o.r)
	}
	return out, nil
}

// agencyReferrals lists the referrals to the actor's agency, newest first,
// without packets (they are opened one at a time, each read logged).
func (s NetworkService) agencyReferrals(ctx context.Context, actor *spiker.Actor) ([]spiker.Referral, error) {
	if err := spiker.Authorize(actor, spiker.PermReferralRespond, spiker.Scope{}); err != nil {
		return nil, err
	}
	if actor.AgencyID == "" {
		return nil, nil
	}
	var out []spiker.Referral
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+referralColumns+referralFrom+`
			WHERE r.agency_id = $1 ORDER BY r.created_at DESC, r.id LIMIT 500`, actor.AgencyID)
		out, err = sqldb.Collect(rows, err, scanReferralValue)
		return err
	})
	return out, err
}

// overdueReferrals lists open referrals past their due date on the actor's
// cases (a supervisor's: every case of their region), oldest due first.
func (s NetworkService) overdueReferrals(ctx context.Context, actor *spiker.Actor) ([]spiker.Referral, error) {
	if err := spiker.Authorize(actor, spiker.PermCaseRead, spiker.Scope{}); err != nil {
		return nil, err
	}
	q := `SELECT ` + referralColumns + referralFrom + `
		WHERE r.kind = 'rujukan' AND r.status IN ('dikirim', 'diterima') AND r.due_date < $1 AND (EXISTS (SELECT 1 FROM key_grants g
		  WHERE g.record_kind = 'case' AND g.record_id = r.case_id AND g.holder_kind = 'user' AND g.holder_id = $2
		    AND (g.expires_at IS NULL OR g.expires_at > $3))`
	// Past the end of its due date where the office is: the date is before today there.
	args := []any{s.DB.Now().In(s.zone()).Format(time.DateOnly), fmt.Sprint(actor.UserID), s.DB.Now()}
	if actor.HasRole(spiker.RoleSupervisor) {
		q += ` OR c.region_code = $4 OR c.region_code LIKE $5`
		args = append(args, actor.RegionCode, actor.RegionCode+".%")
	}
	var out []spiker.Referral
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, q+`) ORDER BY r.due_date, r.id LIMIT 100`, args...)
		out, err = sqldb.Collect(rows, err, scanReferralValue)
		return err
	})
	return out, err
}
