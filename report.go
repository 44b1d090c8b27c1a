package spiker

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is how a report arrived (kanal, DESIGN.md §2.1).
type Channel string

const (
	ChannelWeb      Channel = "web"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelTelepon  Channel = "telepon"
	ChannelLangsung Channel = "datang_langsung"
	ChannelSurat    Channel = "surat"
	ChannelSAPA129  Channel = "sapa129"
	ChannelSP4N     Channel = "sp4n_lapor"
	ChannelRujukan  Channel = "rujukan_masuk"
	ChannelJangkau  Channel = "penjangkauan"
	ChannelMedia    Channel = "media"
)

// Channels lists every channel.
var Channels = []Channel{ChannelWeb, ChannelWhatsApp, ChannelTelepon, ChannelLangsung, ChannelSurat,
	ChannelSAPA129, ChannelSP4N, ChannelRujukan, ChannelJangkau, ChannelMedia}

// ReportStatus is where a report stands.
type ReportStatus string

const (
	ReportNew    ReportStatus = "baru"    // waiting for the duty officer
	ReportCase   ReportStatus = "kasus"   // a case was opened from it
	ReportClosed ReportStatus = "ditutup" // closed as not a case
)

// Report is a complaint. Its categorical fields are stored in the clear;
// Content is protected: stored only encrypted under the report's own key.
type Report struct {
	ID         string
	CreatedAt  time.Time
	Channel    Channel
	RegionCode string // kecamatan or desa of the incident
	InDanger   bool
	Status     ReportStatus
	CaseID     string

	Content ReportContent
}

// ReportContent is what names, locates or tells about a person.
type ReportContent struct {
	Narrative   string // what happened
	PlaceDetail string // where, in the reporter's words
	VictimName  string // optional
	Contact     string // how and when it is safe to contact, or empty
}

// MaxNarrative bounds the free text of a report.
const MaxNarrative = 20000

// Validate checks a new report.
func (r *Report) Validate() error {
	known := false
	for _, c := range Channels {
		known = known || r.Channel == c
	}
	if !known {
		return Errorf(EINVALID, "unknown channel %q", r.Channel)
	}
	if !ValidRegionCodeSyntax(r.RegionCode) {
		return Errorf(EINVALID, "region %q is not a Kemendagri code", r.RegionCode)
	}
	if strings.TrimSpace(r.Content.Narrative) == "" {
		return Errorf(EINVALID, "the report needs an account of what happened")
	}
	for _, s := range []string{r.Content.Narrative, r.Content.PlaceDetail, r.Content.VictimName, r.Content.Contact} {
		if !utf8.ValidString(s) || len(s) > MaxNarrative {
			return Errorf(EINVALID, "a text field is too long or not valid text")
		}
	}
	return nil
}

// Case is a case opened from one or more reports.
type Case struct {
	ID         string
	CreatedAt  time.Time
	RegionCode string
	Status     string
	OpenedBy   int64
	ReportIDs  []string

	Content CaseContent
}

// CaseContent is the protected part of a case.
type CaseContent struct {
	Summary    string
	VictimName string
}

// ReportService stores reports. Reading needs the report's key: only its
// holders (the duty-intake group, the supervisors, the reporter's receipt,
// the escrow) can decrypt it, whatever the caller's role.
type ReportService interface {
	// CreateReport stores a report durably and returns its receipt, the
	// reporter's only way back to it.
	CreateReport(ctx context.Context, r *Report) (receipt string, err error)
	// FindReport decrypts a report for actor, or EFORBIDDEN if actor holds
	// no key to it. Every read is audited.
	FindReport(ctx context.Context, actor *Actor, id string) (*Report, error)
	// FindReportByReceipt opens the report of a receipt. client identifies
	// the caller for throttling (an HMAC, never an address).
	FindReportByReceipt(ctx context.Context, receipt, client string) (*Report, error)
}

// CaseService stores cases.
type CaseService interface {
	// OpenCase opens a case from reports the actor can read; the actor, the
	// supervisors and the escrow hold its key.
	OpenCase(ctx context.Context, actor *Actor, c *Case) error
	// FindCase decrypts a case for actor, or EFORBIDDEN.
	FindCase(ctx context.Context, actor *Actor, id string) (*Case, error)
	// GrantCase seals the case key to another user: adding a person to a
	// case. RevokeCase deletes the grant.
	GrantCase(ctx context.Context, actor *Actor, caseID string, userID int64, reason string) error
	RevokeCase(ctx context.Context, actor *Actor, caseID string, userID int64, reason string) error
}
