package spiker

// Role is what a staff user does in the office (DESIGN.md §1). A user can
// hold several roles; what each role may do is decided by the policy.
type Role string

const (
	RoleKonselorPiket   Role = "konselor_piket"   // intake officer on duty
	RoleManajerKasus    Role = "manajer_kasus"    // case manager
	RolePendamping      Role = "pendamping"       // case team member
	RoleSupervisor      Role = "supervisor"       // supervisor / head of the UPTD
	RolePetugasLapangan Role = "petugas_lapangan" // field officer
	RoleSatgasKecamatan Role = "satgas_kecamatan" // kecamatan task force
	RoleFokalDesa       Role = "fokal_desa"       // village focal point
	RoleMitra           Role = "mitra"            // partner agency user
	RolePimpinan        Role = "pimpinan"         // head of the Dinas
	RoleTimData         Role = "tim_data"         // data officer
	// RolePelindungData is the data protection officer (UU PDP's pejabat
	// pelindung data pribadi): the audit log, its anchors and the PDP
	// register, never a record's content.
	RolePelindungData Role = "pelindung_data"
	RoleAdmin         Role = "admin" // IT administrator: no case content
)

// Roles lists every role in the order the back office shows them.
var Roles = []Role{
	RoleKonselorPiket, RoleManajerKasus, RolePendamping, RoleSupervisor,
	RolePetugasLapangan, RoleSatgasKecamatan, RoleFokalDesa, RoleMitra,
	RolePimpinan, RoleTimData, RolePelindungData, RoleAdmin,
}

// Valid reports whether r is one of the declared roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// contentPermissions are the permissions that read or change reports,
// cases, referrals or visits: everything but statistics and administration.
// The audit log is here too: who read which victim's file is itself about
// the victim, and the administrator is one of the people it watches.
var contentPermissions = map[Permission]bool{
	PermInbox: true, PermReportRead: true, PermReportReply: true, PermReportTriage: true,
	PermCaseOpen: true, PermCaseList: true, PermCaseRead: true, PermCaseWrite: true,
	PermCaseAssign: true, PermCaseApprove: true, PermBreakGlass: true, PermAudit: true,
	PermReferralRead: true, PermReferralRespond: true, PermVisitList: true, PermVisitRecord: true,
	PermReportFile: true, PermRoster: true, PermExportApprove: true,
}

// ReadsCases reports whether the role reads or changes cases and reports
// (DESIGN.md §1): every role but the administrator and the statistics-only
// Pimpinan and Tim Data.
func (r Role) ReadsCases() bool {
	for _, p := range RolePermissions[r] {
		if contentPermissions[p] {
			return true
		}
	}
	return false
}

func roleList() string {
	s := ""
	for i, r := range Roles {
		if i > 0 {
			s += ", "
		}
		s += string(r)
	}
	return s
}
