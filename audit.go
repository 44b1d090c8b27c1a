package spiker

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
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
	Reason     string // detail in codes and ids (an escrow recovery's justification); never text that may name someone
}

// AuditFilter selects audit entries, newest first. Zero fields match all.
type AuditFilter struct {
	Actor      string // username
	RecordKind string // "report", "case", "user", ...
	RecordID   string
	Action     string    // exact, or a prefix ending in "." ("case.")
	From, To   time.Time // period, To exclusive
	Before     int64     // keyset: entries with a smaller seq (0: from the newest)
	Limit      int       // at most this many (default 50, at most 500)
}

// AuditAnchor is a signed digest of the audit chain at one moment: the
// newest entry's number and hash, when, and an HMAC under the audit key
// (version KeyID). Kept outside the database, it proves later that the log
// still holds that entry unchanged.
type AuditAnchor struct {
	Seq   int64
	Hash  []byte
	At    time.Time
	KeyID uint32
	MAC   []byte
}

const anchorPrefix = "spiker-audit-anchor-v1"

// String is the anchor's one-line text form, printed and sent.
func (a AuditAnchor) String() string {
	return fmt.Sprintf("%s:%d:%s:%s:%d:%s", anchorPrefix, a.Seq, hex.EncodeToString(a.Hash),
		a.At.UTC().Format(time.RFC3339), a.KeyID, hex.EncodeToString(a.MAC))
}

// ParseAuditAnchor reads an anchor's text form (surrounding text such as
// the line of a message is ignored).
func ParseAuditAnchor(s string) (AuditAnchor, error) {
	bad := Errorf(EINVALID, "this is not an audit anchor (it starts with %s:)", anchorPrefix)
	i := strings.Index(s, anchorPrefix+":")
	if i < 0 {
		return AuditAnchor{}, bad
	}
	f := strings.Fields(s[i:])[0]
	parts := strings.Split(f, ":")
	if len(parts) != 8 { // the time has two colons
		return AuditAnchor{}, bad
	}
	var a AuditAnchor
	var err error
	if a.Seq, err = strconv.ParseInt(parts[1], 10, 64); err != nil || a.Seq < 0 {
		return AuditAnchor{}, bad
	}
	if a.Hash, err = hex.DecodeString(parts[2]); err != nil || len(a.Hash) != 32 {
		return AuditAnchor{}, bad
	}
	if a.At, err = time.Parse(time.RFC3339, strings.Join(parts[3:6], ":")); err != nil {
		return AuditAnchor{}, bad
	}
	k, err := strconv.ParseUint(parts[6], 10, 32)
	if err != nil {
		return AuditAnchor{}, bad
	}
	a.KeyID = uint32(k)
	if a.MAC, err = hex.DecodeString(parts[7]); err != nil || len(a.MAC) != 32 {
		return AuditAnchor{}, bad
	}
	return a, nil
}

// Audit is the hash-chained audit log: writing happens inside the services; this reads, searches and verifies
// it.
type Audit interface {
	// Audit reads and checks the audit log. Entries are appended by the
	// services in the same transaction as what they record.

	// VerifyAudit walks the hash chain and checks the authenticated head;
	// on a broken link it returns an error naming the first bad entry.
	VerifyAudit(ctx context.Context) (entries int64, err error)
	// VerifyAuditAnchor does what VerifyAudit does and also checks that the
	// chain still holds the anchored entry unchanged.
	VerifyAuditAnchor(ctx context.Context, anchor AuditAnchor) (entries int64, err error)
	// AnchorAudit verifies the chain and signs a digest of its head.
	AnchorAudit(ctx context.Context) (AuditAnchor, error)
	// ListAudit returns entries from seq on, oldest first.
	ListAudit(ctx context.Context, fromSeq int64, limit int) ([]AuditEntry, error)
	// FindAudit returns the entries matching f, newest first, for a
	// holder of PermAudit (entries of actors in the actor's region, and of
	// the system). The search is itself audited ("audit.read").
	FindAudit(ctx context.Context, actor *Actor, f AuditFilter) ([]AuditEntry, error)
}
