package store

// Unexported parts the external tests call.
var (
	ShredCase   = (*Store).shredCase
	ShredReport = (*Store).shredReport
	CaseOnHold  = caseOnHold

	OpenAlertsQuery     = openAlertsQuery
	PendingReportsQuery = pendingReportsQuery
	PendingVictimsQuery = pendingVictimsQuery
)
