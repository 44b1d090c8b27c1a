package web

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
)

// staffCase shows a case: its facts, the TPKS clock, the timeline of
// entries and the forms of the workflow the user's role may use.
func (s *Server) staffCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showCase(w, r, sess, http.StatusOK, nil)
}

// caseReveal shows the case with the victim's name unmasked; the reveal is
// its own entry in the audit log.
func (s *Server) caseReveal(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.showCaseWith(w, r, sess, http.StatusOK, nil, true, nil)
}

func (s *Server) showCase(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string) {
	s.showCaseWith(w, r, sess, status, errs, false, nil)
}

// showCaseWith renders the case page; the victim's name is masked unless
// reveal is set (the reveal is its own audit entry). extra adds to the
// page's data (a form's draft). The case and what hangs off it are one
// read: one transaction, one audit entry.
func (s *Server) showCaseWith(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, status int, errs map[string]string, reveal bool, extra map[string]any) {
	view, err := s.Cases.CaseView(r.Context(), sess.Actor, r.PathValue("id"), reveal)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	c, team := view.Case, view.Team
	if errs == nil {
		errs = map[string]string{}
	}
	reporterFiles := caseReporterFiles(view)
	limits, err := s.Duty.TimeLimits(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	now := s.Clock.Now()
	police, running := c.PoliceReportDeadline(limits)
	// Plan items run until a service of their category is recorded.
	planClock := map[string]string{}
	for _, e := range c.Entries {
		if d, ok := c.PlanDeadline(e, s.Clock.Zone()); ok {
			planClock[e.ID] = d.State(now)
		}
	}
	net, err := s.caseNetwork(r, sess, view)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	// Identities to reveal: the case's victim name, or a name or NIK on
	// its record (which the correction forms offer only once revealed).
	canReveal := c.Content.VictimName != ""
	for _, v := range c.Victims {
		canReveal = canReveal || v.Name != "" || v.NIK != ""
	}
	for _, p := range c.Perpetrators {
		canReveal = canReveal || p.Name != ""
	}
	if !reveal {
		c.MaskIdentity()
	}
	victimName := c.Content.VictimName
	dupes, err := s.caseDuplicates(r, sess, c.ID)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	addVictim, victimChoices, categoryNames, err := s.caseVictimChoices(r.Context(), c, errs)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	retention, err := s.caseRetention(r, sess, c.ID)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	manager := ""
	for _, m := range team {
		if m.Manager {
			manager = m.Username
		}
	}
	data := map[string]any{
		"Manager":   manager,
		"AddVictim": addVictim, "VictimChoices": victimChoices, "CategoryName": categoryNames,
		"HistoryBy": view.Usernames, "ConsentKinds": []string{spiker.ConsentByVictim, spiker.ConsentByGuardian, spiker.ConsentOverride}, "Kecamatan": s.kecamatan(), "CaseKec": spiker.KecamatanOf(c.RegionCode),
		"Dupes": dupes, "Net": net, "PlanClock": planClock, "Access": view.Access, "ShowAccess": sess.Actor.Can(spiker.PermAudit),
		"C": c, "Region": s.regionName(c.RegionCode), "Team": team, "Eligible": view.Eligible, "Errors": errs, "Files": view.Files, "ReporterFiles": reporterFiles,
		"VictimName": victimName, "Revealed": reveal, "CanReveal": canReveal && !reveal,
		"PoliceDue": police.Due, "PoliceClock": running && !police.Done, "ClockClass": police.State(now),
		"Steps": spiker.CaseSteps[:len(spiker.CaseSteps)-1], "Categories": spiker.EntryCategories,
		"Kinds":             []string{"asesmen", "rencana", "layanan", "proses_hukum", "catatan"},
		"TraffickingLabels": spiker.KategoriTrafficking,
		"L": map[string][]string{"sex": spiker.JenisKelamin, "age": spiker.KelompokUmurKorban, "page": spiker.KelompokUmurPelaku,
			"edu": spiker.Pendidikan, "job": spiker.Pekerjaan, "marital": spiker.StatusPerkawinan, "dis": spiker.JenisDisabilitas,
			"types": spiker.JenisKekerasan, "forms": spiker.BentukKekerasanSeksual, "place": spiker.TempatKejadian, "rel": spiker.HubunganPelaku},
		"Can": map[string]bool{
			"write":   sess.Actor.Can(spiker.PermCaseWrite),
			"assign":  sess.Actor.Can(spiker.PermCaseAssign),
			"approve": sess.Actor.Can(spiker.PermCaseApprove),
			"hold":    sess.Actor.Can(spiker.PermLegalHold) && s.Retention != nil,
		},
		"Retention": retention, "Today": s.Clock.Today(),
		"Protect": s.protectionView(c), "RiskQuestions": spiker.RiskQuestions, "Risiko": spiker.Risiko,
		"OrderKinds": spiker.ProtectionOrderKinds, "OrderIssuers": spiker.ProtectionIssuers, "OrderStatuses": spiker.ProtectionOrderStatuses,
		"Payments": spiker.RestitutionPayments, "NewOrder": &spiker.ProtectionOrder{Status: spiker.OrderActive},
		"NewRestitution": &spiker.Restitution{}, "NewPlan": &spiker.SafetyPlan{},
	}
	if data["DesaOptions"], err = s.desaOptions(c.RegionCode); err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	data["Takedown"] = s.takedownView(c)
	for k, v := range s.takedownData() {
		data[k] = v
	}
	for k, v := range extra {
		data[k] = v
	}
	s.renderStaff(w, r, status, "staff_case.html", sess, data)
}

// afterCaseChange redirects back to the case, or shows it with the error.
func (s *Server) afterCaseChange(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession, err error) {
	switch spiker.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/staf/kasus/"+r.PathValue("id"), http.StatusSeeOther)
	case spiker.EINVALID:
		s.showCase(w, r, sess, http.StatusUnprocessableEntity, spiker.ErrorFields(err))
	default:
		s.staffError(w, r, sess, err)
	}
}

// caseAssign adds a colleague chosen from the eligible list to the team.
func (s *Server) caseAssign(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	s.afterCaseChange(w, r, sess, s.Cases.Assign(r.Context(), sess.Actor, r.PathValue("id"), id))
}

// caseRemoveMember takes a member off the team, with a reason; the case is
// re-keyed.
func (s *Server) caseRemoveMember(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	s.afterCaseChange(w, r, sess, s.Cases.RemoveMember(r.Context(), sess.Actor, r.PathValue("id"), id, r.PostFormValue("remove_reason")))
}

// caseSetManager names a team member the case manager.
func (s *Server) caseSetManager(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	id, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	s.afterCaseChange(w, r, sess, s.Cases.SetManager(r.Context(), sess.Actor, r.PathValue("id"), id))
}

func (s *Server) caseEntry(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	e := &spiker.CaseEntry{Kind: r.PostFormValue("kind"), Category: r.PostFormValue("category"),
		DueDate: r.PostFormValue("due_date"), Body: r.PostFormValue("body")}
	s.afterCaseChange(w, r, sess, s.Cases.AddEntry(r.Context(), sess.Actor, r.PathValue("id"), e))
}

func (s *Server) caseStep(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.SetStep(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("step"), r.PostFormValue("step_reason")))
}

func (s *Server) caseTPKS(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Cases.SetTPKS(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("tpks") == "ya", r.PostFormValue("child") == "ya", r.PostFormValue("tpks_reason"))
	s.afterCaseChange(w, r, sess, err)
}

func (s *Server) casePolice(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.RecordPoliceReport(r.Context(), sess.Actor, r.PathValue("id")))
}

func (s *Server) caseRequestClosure(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.RequestClosure(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("note"), r.PostFormValue("police_exception")))
}

func (s *Server) caseApproveClosure(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.ApproveClosure(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("note"), r.PostFormValue("approve_exception") == "ya"))
}

func (s *Server) caseReopen(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.Reopen(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("note")))
}

func (s *Server) caseBreakGlass(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Cases.RequestBreakGlass(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("reason"))
	switch spiker.ErrorCode(err) {
	case "":
		s.renderStaff(w, r, http.StatusOK, "staff_breakglass.html", sess, map[string]any{"Sent": true})
	case spiker.EINVALID:
		s.renderStaff(w, r, http.StatusUnprocessableEntity, "staff_breakglass.html", sess, map[string]any{"CaseID": r.PathValue("id"), "Error": "staff.err.reason"})
	default:
		s.staffError(w, r, sess, err)
	}
}

func (s *Server) caseBreakGlassApprove(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	err := s.Cases.ApproveBreakGlass(r.Context(), sess.Actor, r.PathValue("id"), r.PostFormValue("request"))
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/staf/", http.StatusSeeOther)
}

// caseList lists the cases the user may see, with filters in the query
// string (categorical only: a list never shows a name).
func (s *Server) caseList(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	q := r.URL.Query()
	f := spiker.CaseFilter{Number: q.Get("nomor"), Status: q.Get("status"), Step: q.Get("langkah"), Region: q.Get("wilayah"),
		Mine: q.Get("saya") == "ya", Overdue: q.Get("terlambat") == "ya", BeforeID: q.Get("id"), Limit: 50}
	f.Before, _ = time.Parse(time.RFC3339Nano, q.Get("sebelum"))
	f.From, _ = time.Parse(time.DateOnly, q.Get("dari"))
	if to, err := time.Parse(time.DateOnly, q.Get("sampai")); err == nil {
		f.To = to.Add(24 * time.Hour)
	}
	items, err := s.Cases.FindCases(r.Context(), sess.Actor, f)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	type row struct {
		spiker.CaseListItem
		Region  string
		Overdue bool
	}
	limits, err := s.Duty.TimeLimits(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	var rows []row
	for _, it := range items {
		rows = append(rows, row{CaseListItem: it, Region: s.regionName(it.RegionCode), Overdue: it.PoliceOverdue(limits, s.Clock.Now())})
	}
	data := map[string]any{"Rows": rows, "Q": q, "Steps": spiker.CaseSteps,
		"Statuses": []string{spiker.CaseOpen, spiker.CaseClosureRequested, spiker.CaseClosed}}
	if len(items) == f.Limit {
		last := items[len(items)-1]
		next := r.URL.Query()
		next.Set("sebelum", last.CreatedAt.Format(time.RFC3339Nano))
		next.Set("id", last.ID)
		data["Next"] = "/staf/kasus?" + next.Encode()
	}
	s.renderStaff(w, r, http.StatusOK, "staff_cases.html", sess, data)
}

// victimForm reads a victim record from the add or correction form. The
// desa is chosen by name and sent as its Kemendagri code; a code the
// directory does not know is sent on as one the domain refuses, after the
// policy and the key.
func (s *Server) victimForm(r *http.Request) *spiker.CaseVictim {
	age := atoiOr(strings.TrimSpace(r.PostFormValue("age")), -1)
	desa := r.PostFormValue("victim_desa")
	if _, err := s.Regions.Region(desa); desa != "" && err != nil {
		desa = "?"
	}
	return &spiker.CaseVictim{Sex: r.PostFormValue("sex"), Age: age, AgeGroup: r.PostFormValue("age_group"),
		Education: r.PostFormValue("education"), Occupation: r.PostFormValue("occupation"), Marital: r.PostFormValue("marital"),
		Disability: len(r.PostForm["disability_types"]) > 0, DisabilityTypes: r.PostForm["disability_types"],
		ViolenceTypes: r.PostForm["violence_types"], SexualForms: r.PostForm["sexual_forms"],
		TraffickingCategories: r.PostForm["trafficking_categories"], Place: r.PostFormValue("place"),
		IncidentDate: r.PostFormValue("incident_date"), KDRT: r.PostFormValue("kdrt") == "ya", Consent: r.PostFormValue("consent"),
		Name: r.PostFormValue("name"), NIK: r.PostFormValue("nik"), Accommodation: r.PostFormValue("accommodation"),
		ConsentOverride: r.PostFormValue("consent_override"), OfficeCategories: r.PostForm["office_categories"],
		AMPK: r.PostFormValue("ampk"), DesaCode: desa}
}

// perpetratorForm reads a perpetrator record from the add or correction form.
func perpetratorForm(r *http.Request) *spiker.CasePerpetrator {
	return &spiker.CasePerpetrator{VictimID: r.PostFormValue("victim"), Sex: r.PostFormValue("p_sex"), AgeGroup: r.PostFormValue("p_age_group"),
		Relationship: r.PostFormValue("p_relationship"), Name: r.PostFormValue("p_name")}
}

func (s *Server) caseVictim(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.AddVictim(r.Context(), sess.Actor, r.PathValue("id"), s.victimForm(r)))
}

func (s *Server) casePerpetrator(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	s.afterCaseChange(w, r, sess, s.Cases.AddPerpetrator(r.Context(), sess.Actor, r.PathValue("id"), perpetratorForm(r)))
}

// parseStaffUpload parses a back-office multipart form (streamed, files to
// encrypted spools) and checks its CSRF token; the caller removes the
// form's files when ok. A size error
// is returned for the form to show; ok is false when the answer is sent.
func (s *Server) parseStaffUpload(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) (*formData, error, bool) {
	fd, err := s.parseForm(w, r)
	if err != nil && !errors.Is(err, errFileTooLarge) && !errors.Is(err, errTooManyFiles) && !errors.Is(err, errTooLarge) {
		fd.remove()
		s.staffError(w, r, sess, err)
		return nil, nil, false
	}
	if subtle.ConstantTimeCompare([]byte(fd.get("csrf")), []byte(sess.CSRF)) != 1 {
		fd.remove()
		s.staffError(w, r, sess, spiker.Errorf(spiker.EFORBIDDEN, "the form is out of date"))
		return nil, nil, false
	}
	return fd, err, true
}

// caseUpload stores documents on a case. The form is parsed here, streamed
// (files to encrypted spools), and its CSRF token checked.
func (s *Server) caseUpload(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	fd, err, ok := s.parseStaffUpload(w, r, sess)
	if !ok {
		return
	}
	defer fd.remove()
	if err != nil {
		s.showCase(w, r, sess, http.StatusRequestEntityTooLarge, map[string]string{"files": "report.err.file_size"})
		return
	}
	uploads, _, fileErr := s.cleanUploads(fd, "")
	if fileErr != "" {
		s.showCase(w, r, sess, http.StatusUnprocessableEntity, map[string]string{"files": fileErr})
		return
	}
	s.afterCaseChange(w, r, sess, s.Cases.AddCaseFiles(r.Context(), sess.Actor, r.PathValue("id"), uploads))
}

// caseDownload sends one decrypted document as an attachment.
func (s *Server) caseDownload(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	var buf bytes.Buffer
	a, err := s.Cases.ReadCaseFile(r.Context(), sess.Actor, r.PathValue("id"), r.PathValue("file"), &buf)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	sendFile(w, r, a, &buf)
}
