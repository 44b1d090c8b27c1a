package spiker

import (
	"context"
	"time"
)

// AuditEntry records who did what to which record, when, and why. It never
// holds protected content.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	ActorID    int64
	Actor      string
	Roles      string
	Scope      string
	Action     string // e.g. "report.create", "report.read", "case.grant"
	RecordKind string
	RecordID   string
	Reason     string // break-glass or escrow justification
}

// AuditService reads and checks the audit log. Entries are appended by the
// services in the same transaction as what they record.
type AuditService interface {
	// VerifyAudit walks the hash chain; on a broken link it returns the
	// sequence number of the first bad entry and an error naming it.
	VerifyAudit(ctx context.Context) (entries int64, err error)
	// ListAudit returns entries from seq on, oldest first.
	ListAudit(ctx context.Context, fromSeq int64, limit int) ([]AuditEntry, error)
}
