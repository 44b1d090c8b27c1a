package spiker

import (
	"context"
	"time"
)

// ReportIntake is the one way a report comes in. The web form, the JSON API
// and walk-in intake each read their own format into a Submission; the
// region, the checks, "today", the limits and the receipt are decided here,
// so that the three cannot drift apart.
type ReportIntake struct {
	Reports    Reports         // the public's reports and those filed on someone's behalf
	Limiter    Limiter         // the public's limits
	Regions    RegionDirectory // the incident's kecamatan and desa
	RegionCode string          // the deployment's regency
	Clock      *Clock          // "today" for the incident date
}

// Submission is one report as a channel read it.
type Submission struct {
	Report *Report
	// Kecamatan and Desa are the codes as given; Submit resolves them to
	// the report's RegionCode.
	Kecamatan, Desa string
	// Token (from SubmissionToken) makes a retried submission return the
	// first one's receipt; "" for none.
	Token string
	// Client identifies a public caller for the limits (an HMAC, never an
	// address). Filer is the staff member filing on someone's behalf, nil
	// for the public; staff are not limited.
	Client string
	Filer  *Actor
	// Proof is a verified proof of work, nil for none: it takes the
	// report past the client's own limit once (see ProofLimiter).
	Proof *Proof
	// Fields are the errors the channel found reading its own format (a
	// radio left empty, a file it could not read), field → message key.
	Fields map[string]string
}

// Submit checks a submission and stores it, returning the receipt. Wrong
// fields are one EINVALID naming each of them (the channel's own first); a
// public client over its limit is ETOOMANY (see Limiter) and nothing is
// stored. Only a complete report counts against the limits: someone
// correcting their answers is never throttled.
func (in *ReportIntake) Submit(ctx context.Context, s Submission) (receipt string, err error) {
	fields := map[string]string{}
	for k, v := range s.Fields {
		fields[k] = v
	}
	r := s.Report
	code, field, key := IncidentRegion(in.Regions, in.RegionCode, s.Kecamatan, s.Desa)
	r.RegionCode = code
	if _, ok := fields[field]; field != "" && !ok {
		fields[field] = key
	}
	for k, v := range ErrorFields(r.Validate(in.Clock.Local())) {
		if _, ok := fields[k]; !ok {
			fields[k] = v
		}
	}
	if len(fields) > 0 {
		return "", &Error{Code: EINVALID, Message: "the report has fields to correct", Fields: fields}
	}
	if s.Filer != nil {
		return in.Reports.FileReport(ctx, s.Filer, r, s.Token)
	}
	if err := in.allow(ctx, s); err != nil {
		return "", err
	}
	return in.Reports.CreateReport(ctx, r, s.Token)
}

// allow spends the public client's report and file attempts. A client
// over its own limit with a proof of work spends the proof instead, and
// the shared budget as always.
func (in *ReportIntake) allow(ctx context.Context, s Submission) error {
	actions := []string{ActionReport}
	for range s.Report.Files {
		actions = append(actions, ActionFile)
	}
	var err error
	done := 0
	for _, a := range actions {
		if err = in.Limiter.Allow(ctx, a, s.Client); err != nil {
			break
		}
		done++
	}
	pl, ok := in.Limiter.(ProofLimiter)
	if ErrorCode(err) != ETOOMANY || s.Proof == nil || !ok {
		return err
	}
	if perr := pl.AllowProof(ctx, *s.Proof, actions[done:]...); perr != nil {
		// A spent proof, or a spent shared budget: say the longer wait.
		if RetryAfter(perr) > RetryAfter(err) {
			return perr
		}
		return err
	}
	return nil
}

// Proof is a verified proof of work (internal/pow): the id of its
// server-signed challenge and when that expires.
type Proof struct {
	ID      string
	Expires time.Time
}

// ProofLimiter is a Limiter that also takes proofs of work, for clients
// behind one shared address (carrier-grade NAT, school Wi-Fi) whose own
// budget others spent.
type ProofLimiter interface {
	// AllowProof spends a proof in place of the client's own budget: each
	// proof once, and the shared budget of each action as any attempt
	// does. A proof seen before, or a spent shared budget, is ETOOMANY.
	AllowProof(ctx context.Context, p Proof, actions ...string) error
}
