package spiker

// ReportView is what the report page shows, read at once: the report and
// what hangs off it, in one transaction whose audit entries commit
// together before anything is shown.
type ReportView struct {
	Report   *Report
	Messages []Message    // the conversation with the reporter
	Files    []Attachment // the report's files (names, no content)
	Media    []MediaNote  // WhatsApp files not (yet) among them
	Notes    []Message    // staff-only notes: only for a holder of PermReportTriage
	Access   []AuditEntry // the report's newest audit entries: only for a holder of PermAudit
}
