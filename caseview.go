package spiker

// CaseView is what the case page shows, read at once: the case and what
// hangs off it, for one audit entry instead of one per part.
type CaseView struct {
	Case      *Case
	Files     []Attachment     // the case's documents (names, no content)
	Referrals []Referral       // referrals and transfers, with packets
	Visits    []Visit          // visits, with details
	Requests  []MeetingRequest // the reporter's meeting requests, from the reports whose key the actor holds
	// ReportFiles are the files reporters sent, by report: of the reports
	// the actor may read and holds the key to.
	ReportFiles map[string][]Attachment
	Team        []TeamMember // the current team, the manager marked
	Eligible    []TeamMember // colleagues the actor may add: only for a holder of PermCaseAssign
	Officers    []User       // the region's field officers: only for a holder of PermCaseWrite
	Access      []AuditEntry // the case's newest audit entries: only for a holder of PermAudit
	// Usernames names the authors of the case's history, risk assessments
	// and safety plans, and the visits' officers.
	Usernames map[int64]string
}
