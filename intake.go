package spiker

import "context"

// ReportIntake is the one way a report comes in. The web form, the JSON API
// and walk-in intake each read their own format into a Submission; the
// region, the checks, "today", the limits and the receipt are decided here,
// so that the three cannot drift apart.
type ReportIntake struct {
	Reports    ReportService   // the public's reports (web form, JSON API)
	Filer      IntakeService   // reports filed on someone's behalf
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
		return in.Filer.FileReport(ctx, s.Filer, r, s.Token)
	}
	if err := in.allow(ctx, s); err != nil {
		return "", err
	}
	return in.Reports.CreateReport(ctx, r, s.Token)
}

// allow spends the public client's report and file attempts.
func (in *ReportIntake) allow(ctx context.Context, s Submission) error {
	if err := in.Limiter.Allow(ctx, ActionReport, s.Client); err != nil {
		return err
	}
	for range s.Report.Files {
		if err := in.Limiter.Allow(ctx, ActionFile, s.Client); err != nil {
			return err
		}
	}
	return nil
}
