package spiker

// Permission names one thing a staff user may do. Permissions are granted
// to roles in one table (RolePermissions); Authorize is the one function
// that decides every access, for the web UI, the JSON API and the CLI.
type Permission string

const (
	PermInbox        Permission = "report.inbox"     // see the list of new reports
	PermReportRead   Permission = "report.read"      // open a report (needs its key too)
	PermReportReply  Permission = "report.reply"     // write to the reporter
	PermReportTriage Permission = "report.triage"    // identify, close as not-a-case
	PermCaseOpen     Permission = "case.open"        // open a case from reports
	PermCaseList     Permission = "case.list"        // list cases in scope
	PermCaseRead     Permission = "case.read"        // open a case (needs its key too)
	PermCaseWrite    Permission = "case.write"       // record assessment, plan, services
	PermCaseAssign   Permission = "case.assign"      // assign a case manager and team
	PermCaseApprove  Permission = "case.approve"     // approve closure
	PermBreakGlass   Permission = "case.break_glass" // ask to open a case one is not on, with a reason
	PermUserManage   Permission = "user.manage"      // create, disable, re-role users
	PermStats        Permission = "stats.view"       // de-identified statistics
	PermExport       Permission = "simfoni.export"   // the SIMFONI register export
	// PermExportApprove approves a data officer's request to export the
	// register with identities: the approver's keys open them.
	PermExportApprove Permission = "simfoni.approve"
	PermAudit         Permission = "audit.read" // read the audit log
	PermSelf          Permission = "self"       // one's own account and sign-out

	PermReferralRead    Permission = "referral.read"      // open a referral: its agency, or its case team
	PermReferralRespond Permission = "referral.respond"   // accept, decline, complete a referral to one's agency
	PermVisitList       Permission = "visit.list"         // list one's visits (a Satgas Kecamatan: its kecamatan's)
	PermVisitRecord     Permission = "visit.record"       // open a visit one goes on and record its outcome
	PermReportFile      Permission = "report.file"        // file a report on someone's behalf (walk-in)
	PermAgencyManage    Permission = "agency.manage"      // the partner agency directory
	PermSettings        Permission = "settings.manage"    // the office's settings (letterhead, time limits, channels)
	PermRoster          Permission = "roster.manage"      // the duty roster (piket) of one's region
	PermPDP             Permission = "pdp.manage"         // the UU PDP register of requests and breach notices
	PermAuthenticator   Permission = "user.authenticator" // approve a colleague's lost-authenticator request (never one's own)
	PermLegalHold       Permission = "case.hold"          // put and lift a legal hold on a case (court proceedings), which stops its purge
)

// RolePermissions is the one table of what each role may do (DESIGN.md §1).
// Whatever a permission allows, reading protected content also needs the
// record's key, which only its holders have.
var RolePermissions = map[Role][]Permission{
	RoleKonselorPiket:   {PermSelf, PermInbox, PermReportRead, PermReportReply, PermReportTriage, PermCaseOpen, PermCaseList, PermCaseRead, PermBreakGlass, PermReferralRead, PermReportFile},
	RoleManajerKasus:    {PermSelf, PermCaseList, PermCaseRead, PermCaseWrite, PermReportRead, PermReportReply, PermBreakGlass, PermReferralRead, PermVisitRecord},
	RolePendamping:      {PermSelf, PermCaseList, PermCaseRead, PermCaseWrite, PermBreakGlass, PermReferralRead, PermVisitRecord},
	RoleSupervisor:      {PermSelf, PermInbox, PermReportRead, PermReportReply, PermReportTriage, PermCaseOpen, PermCaseList, PermCaseRead, PermCaseWrite, PermCaseAssign, PermCaseApprove, PermStats, PermExport, PermExportApprove, PermAudit, PermReferralRead, PermVisitList, PermVisitRecord, PermReportFile, PermRoster, PermPDP, PermAuthenticator, PermLegalHold},
	RolePetugasLapangan: {PermSelf, PermVisitList, PermVisitRecord},
	RoleSatgasKecamatan: {PermSelf, PermVisitList, PermVisitRecord},
	RoleFokalDesa:       {PermSelf, PermReportFile},
	RoleMitra:           {PermSelf, PermReferralRead, PermReferralRespond},
	RolePimpinan:        {PermSelf, PermStats},
	RoleTimData:         {PermSelf, PermStats, PermExport},
	RolePelindungData:   {PermSelf, PermAudit, PermPDP},
	RoleAdmin:           {PermSelf, PermUserManage, PermAgencyManage, PermSettings, PermPDP},
}

// Scope is what a request is about: the region of the record and who is
// assigned to it. The zero Scope is "no particular record".
type Scope struct {
	RegionCode string  // "" for actions not tied to a region
	Case       bool    // the record is a case: its team matters
	Team       []int64 // users on the case
	BreakGlass bool    // the actor has an open break-glass for this case
	Agency     string  // a referral: the agency it is addressed to
	Visit      bool    // a visit: Team holds the officers who go on it
}

// Can reports whether the actor's roles grant perm.
func (a *Actor) Can(perm Permission) bool {
	for _, r := range a.Roles {
		for _, p := range RolePermissions[r] {
			if p == perm {
				return true
			}
		}
	}
	return false
}

// ErrBreakGlass is the refusal a team-role user gets for a case they are
// not on: they may ask to open it by stating a reason (break-glass).
var ErrBreakGlass = Errorf(EFORBIDDEN, "you are not on this case; to open it anyway, state a reason (break-glass)")

// ErrOwnApproval refuses an approval by the person who asked for it:
// closure and break-glass always need a second person (separation of
// duties). It is a conflict of interest with the request, not a matter of
// role or scope, so its code is ECONFLICT (HTTP 409), apart from the
// policy's refusals.
var ErrOwnApproval = Errorf(ECONFLICT, "you asked for this yourself; another supervisor must approve it")

// Authorize is the one policy function. It allows perm on a record in
// scope s when the actor's roles grant perm and the record lies inside the
// actor's region; for a case's content the actor must also be on the case
// team, be a supervisor (who sees every case of their region), or hold an
// open break-glass. Everything else is EFORBIDDEN (EUNAUTHORIZED for
// nobody). It never looks at protected content, and it is not the only
// lock: content also needs the record's key.
func Authorize(a *Actor, perm Permission, s Scope) error {
	if a == nil || a.UserID == 0 {
		return Errorf(EUNAUTHORIZED, "sign in first")
	}
	if !a.Can(perm) {
		return Errorf(EFORBIDDEN, "your role does not allow this (%s)", perm)
	}
	if s.RegionCode != "" && !RegionContains(a.RegionCode, s.RegionCode) {
		return Errorf(EFORBIDDEN, "this record is outside your region")
	}
	if s.Agency != "" && (perm == PermReferralRead || perm == PermReferralRespond) {
		// A partner reaches the referrals to its own agency, nothing else.
		if a.HasRole(RoleMitra) && a.AgencyID == s.Agency {
			return nil
		}
		if perm == PermReferralRespond || !s.Case {
			return Errorf(EFORBIDDEN, "this referral is addressed to another agency")
		}
	}
	if s.Visit {
		for _, id := range s.Team {
			if id == a.UserID {
				return nil
			}
		}
		if a.HasRole(RoleSupervisor) {
			return nil
		}
		return Errorf(EFORBIDDEN, "you are not going on this visit")
	}
	if s.Case && (perm == PermCaseRead || perm == PermCaseWrite || perm == PermReferralRead || perm == PermVisitRecord) {
		for _, id := range s.Team {
			if id == a.UserID {
				return nil
			}
		}
		if a.HasRole(RoleSupervisor) || s.BreakGlass && a.Can(PermBreakGlass) {
			return nil
		}
		if a.Can(PermBreakGlass) {
			return ErrBreakGlass
		}
		return Errorf(EFORBIDDEN, "you are not on this case")
	}
	return nil
}
