package spiker

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// Shift is one duty shift of a day, in the deployment's local time. The
// night shift runs past midnight and belongs to the day it starts.
type Shift struct {
	Name       string
	Start, End int // hours
}

// Shifts are the day's three duty shifts (DESIGN.md §2.8: 24 hours).
var Shifts = []Shift{{"pagi", 7, 15}, {"siang", 15, 23}, {"malam", 23, 7}}

// ValidShift reports whether name is one of the day's shifts.
func ValidShift(name string) bool {
	for _, s := range Shifts {
		if s.Name == name {
			return true
		}
	}
	return false
}

// Duties: the intake officer on duty, and the supervisor on call.
const (
	DutyPiket      = "piket"
	DutySupervisor = "supervisor"
)

// ShiftAt returns the duty day (YYYY-MM-DD) and shift that time t falls in.
func ShiftAt(t time.Time, zone *time.Location) (day, shift string) {
	l := t.In(zone)
	h := l.Hour()
	switch {
	case h >= 7 && h < 15:
		return l.Format(time.DateOnly), "pagi"
	case h >= 15 && h < 23:
		return l.Format(time.DateOnly), "siang"
	case h >= 23:
		return l.Format(time.DateOnly), "malam"
	}
	return l.AddDate(0, 0, -1).Format(time.DateOnly), "malam"
}

// ShiftOrdinal numbers the shifts from 1 January 1970 in order (three a
// day), so that shifts compare and rotate by their place in time alone.
// An unreadable day or shift gives -1.
func ShiftOrdinal(day, shift string) int {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return -1
	}
	for i, s := range Shifts {
		if s.Name == shift {
			return int(d.Unix()/86400)*len(Shifts) + i
		}
	}
	return -1
}

// RosterEntry is one person on duty in one shift.
type RosterEntry struct {
	Day        string
	Shift      string
	Duty       string
	UserID     int64
	Username   string
	RegionCode string
}

// TimeLimits are the clocks of the national standard (DESIGN.md §3),
// configurable by the admin.
type TimeLimits struct {
	FirstResponse  time.Duration // any new report: 1 hour, at any hour
	Sedang         time.Duration // risk "sedang": 6 hours from identification
	RendahWorkdays int           // risk "rendah": 3 working days
	TPKSPolice     time.Duration // TPKS report to police: 3 × 24 h
	PDP            time.Duration // UU PDP data-subject request or breach notice: 3 × 24 h
	AckUrgent      time.Duration // an urgent alert escalates after 15 minutes
	AckNormal      time.Duration // other alerts after 30 minutes
}

// DefaultTimeLimits are DESIGN.md §3's defaults.
var DefaultTimeLimits = TimeLimits{FirstResponse: time.Hour, Sedang: 6 * time.Hour, RendahWorkdays: 3,
	TPKSPolice: 72 * time.Hour, PDP: 72 * time.Hour, AckUrgent: 15 * time.Minute, AckNormal: 30 * time.Minute}

// Validate keeps limits within sense: a clock of zero would fire at once.
func (l *TimeLimits) Validate() error {
	f := map[string]string{}
	check := func(field string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			f[field] = "limits.err.range"
		}
	}
	check("first_response", l.FirstResponse, 5*time.Minute, 72*time.Hour)
	check("sedang", l.Sedang, 15*time.Minute, 7*24*time.Hour)
	check("tpks", l.TPKSPolice, time.Hour, 7*24*time.Hour)
	check("pdp", l.PDP, time.Hour, 7*24*time.Hour)
	check("ack_urgent", l.AckUrgent, time.Minute, 24*time.Hour)
	check("ack_normal", l.AckNormal, time.Minute, 24*time.Hour)
	if l.RendahWorkdays < 1 || l.RendahWorkdays > 30 {
		f["rendah"] = "limits.err.range"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the time limits have values out of range", Fields: f}
	}
	return nil
}

// AddWorkdays returns t plus n working days: Monday to Friday, skipping
// the holidays (YYYY-MM-DD in zone).
func AddWorkdays(t time.Time, n int, zone *time.Location, holidays map[string]bool) time.Time {
	l := t.In(zone)
	for n > 0 {
		l = l.AddDate(0, 0, 1)
		if wd := l.Weekday(); wd == time.Saturday || wd == time.Sunday || holidays[l.Format(time.DateOnly)] {
			continue
		}
		n--
	}
	return l
}

// Alert reasons: what there is to look at, never what it says.
const (
	AlertNewReport  = "new_report"
	AlertDanger     = "danger"
	AlertRiskTinggi = "risk_tinggi"
	AlertClockAmber = "clock_amber"
	AlertClockRed   = "clock_breach"
	// AlertProtectionEnding: a protection order on a case ends within
	// ProtectionEndingDays.
	AlertProtectionEnding = "protection_ending"
	// AlertExportRequest: a data officer asks to export the register with
	// identities; a supervisor of the region decides.
	AlertExportRequest = "export_request"
	// AlertCaseRiskTinggi: a case's risk assessment came to tinggi (from a
	// lower level or none): the team and, unacknowledged, the supervisors.
	AlertCaseRiskTinggi = "case_risk_tinggi"
	// AlertBackupFailed: the day's scheduled backup failed; it names the
	// day, never a path or a cause (those are in the server's log).
	AlertBackupFailed = "backup_failed"
)

// Clocks that can breach.
const (
	ClockFirstResponse = "first_response"
	ClockRisk          = "risk"
	ClockTPKS          = "tpks_police"
	ClockReferral      = "referral_due"
	ClockPlan          = "plan_due"
	ClockPDP           = "pdp"
	ClockTakedown      = "takedown"
)

// PDP register (UU 27/2022): a data subject's request or a breach notice
// must be answered within 3 × 24 hours. The register holds the request
// sealed (see PDPContent), its verification and its decision.
var PDPKinds = []string{"permintaan_subjek", "pemberitahuan_kebocoran"}

// PDPRequest is one entry of the register.
type PDPRequest struct {
	ID         string
	Kind       string
	ReceivedAt time.Time
	DueAt      time.Time
	RegionCode string
	Done       bool
	DoneAt     *time.Time // when it was decided (or closed)

	Right      string // for a data-subject request: what is asked (PDPRights)
	CaseID     string // the case the office holds about the person, if linked
	CaseNumber string
	ReportID   string // the report, if linked (a report in a case links its case too)
	Restricted bool   // the linked case's (or report's) processing is restricted
	// Sealed parts: nil (or empty) for one who holds no key to them.
	Content      *PDPContent
	Verification *PDPVerification // nil until verified
	Decision     *PDPDecision     // nil until decided
}

// Deadline is the request's 3 × 24 h clock.
func (p *PDPRequest) Deadline() Deadline {
	return Deadline{Start: p.ReceivedAt, Due: p.DueAt, Done: p.Done}
}

// Escalation levels of an alert.
const (
	LevelDuty        = 0 // the officer on duty (or the case team)
	LevelSupervisor  = 1 // the supervisor on call
	LevelSupervisors = 2 // every supervisor of the region
)

// Alert says there is something to look at, with a link: no case content.
type Alert struct {
	ID             string
	RecordKind     string
	RecordID       string
	Reason         string
	Clock          string // for clock alerts
	Urgent         bool
	Level          int
	RegionCode     string
	Link           string // a back-office path
	CreatedAt      time.Time
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	// Escalated is set once nobody acknowledged in time; an alert can also
	// start above the duty level when nobody is on the roster.
	Escalated bool
}

// Notification is an alert as one staff member received it.
type Notification struct {
	ID        int64
	Alert     Alert
	Level     int
	CreatedAt time.Time
}

// Breach is a time limit that passed while its clock ran.
type Breach struct {
	Clock      string
	RecordKind string
	RecordID   string
	DueAt      time.Time
	BreachedAt time.Time
}

// AlertChannels are the external channels an alert can go out on; in-app
// notifications are always on.
var AlertChannels = []string{"email", "telegram", "whatsapp", "webpush"}

var (
	emailPattern    = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$`)
	telegramPattern = regexp.MustCompile(`^-?[0-9]{3,20}$`)
	phonePattern    = regexp.MustCompile(`^62[0-9]{8,13}$`)
	// webhookSecretPattern is what Telegram takes as a webhook's secret_token.
	webhookSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// ValidateChannelAddress checks a staff member's alert address: an e-mail
// address, a Telegram chat id, a WhatsApp number in the form 62812…, or a
// browser's push subscription. Empty removes it.
func ValidateChannelAddress(channel, address string) error {
	bad := func() error {
		return &Error{Code: EINVALID, Message: "the address is not valid for " + channel, Fields: map[string]string{channel: "channels.err." + channel}}
	}
	if !contains(AlertChannels, channel) {
		return &Error{Code: EINVALID, Message: "unknown channel", Fields: map[string]string{"channel": "staff.err.choose"}}
	}
	if address == "" {
		return nil
	}
	switch channel {
	case "email":
		if !emailPattern.MatchString(address) {
			return bad()
		}
	case "telegram":
		if !telegramPattern.MatchString(address) {
			return bad()
		}
	case "whatsapp":
		if !phonePattern.MatchString(address) {
			return bad()
		}
	case "webpush":
		var sub struct {
			Endpoint string `json:"endpoint"`
			Keys     struct {
				P256dh string `json:"p256dh"`
				Auth   string `json:"auth"`
			} `json:"keys"`
		}
		if len(address) > 4096 || json.Unmarshal([]byte(address), &sub) != nil || !strings.HasPrefix(sub.Endpoint, "https://") || sub.Keys.P256dh == "" || sub.Keys.Auth == "" {
			return bad()
		}
	}
	return nil
}

// ChannelSettings configure the external alert channels; each is off
// while its fields are empty. The admin sets them; the credentials are
// stored encrypted under a server key.
type ChannelSettings struct {
	SMTPHost     string `json:"smtp_host"`
	SMTPPort     int    `json:"smtp_port"`
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password"`
	SMTPFrom     string `json:"smtp_from"`
	SMTPSecurity string `json:"smtp_security"` // starttls or tls

	TelegramToken string `json:"telegram_token"`
	// TelegramWebhookSecret is the secret Telegram sends with every
	// webhook delivery; the server makes it when the token is saved.
	TelegramWebhookSecret string `json:"telegram_webhook_secret"`
	// The services' API addresses are not settings: they are the official
	// hosts unless the operator overrides them in the server's
	// configuration (SPIKER_TELEGRAM_API, SPIKER_WHATSAPP_API), so that
	// nobody can redirect reporters' numbers and staff replies from the web.

	WhatsAppToken    string `json:"whatsapp_token"`
	WhatsAppPhoneID  string `json:"whatsapp_phone_id"`
	WhatsAppTemplate string `json:"whatsapp_template"`
	WhatsAppLanguage string `json:"whatsapp_language"`
	// WhatsAppAppSecret verifies the inbound webhook's signature;
	// WhatsAppVerifyToken answers its subscription challenge.
	WhatsAppAppSecret   string `json:"whatsapp_app_secret"`
	WhatsAppVerifyToken string `json:"whatsapp_verify_token"`

	VAPIDPublic  string `json:"vapid_public"`
	VAPIDPrivate string `json:"vapid_private"`
	VAPIDSubject string `json:"vapid_subject"`
}

// Validate checks what can be checked without sending.
func (c *ChannelSettings) Validate() error {
	f := map[string]string{}
	if c.SMTPHost != "" {
		if c.SMTPPort < 1 || c.SMTPPort > 65535 {
			f["smtp_port"] = "channels.err.port"
		}
		if !emailPattern.MatchString(c.SMTPFrom) {
			f["smtp_from"] = "channels.err.email"
		}
		if c.SMTPSecurity != "starttls" && c.SMTPSecurity != "tls" {
			f["smtp_security"] = "staff.err.choose"
		}
	}
	if c.TelegramWebhookSecret != "" && !webhookSecretPattern.MatchString(c.TelegramWebhookSecret) {
		f["telegram_token"] = "channels.err.telegram_secret"
	}
	if c.WhatsAppToken != "" && (c.WhatsAppPhoneID == "" || c.WhatsAppTemplate == "") {
		f["whatsapp_phone_id"] = "channels.err.whatsapp_config"
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "the channel settings have fields to correct", Fields: f}
	}
	return nil
}

// Duty is the running of the office: the duty roster, time limits and holidays, staff alert addresses, the
// alerts themselves and the UU PDP register.
type Duty interface {
	// Roster keeps the duty roster (piket). Supervisors edit it; the
	// alerting asks it who is on duty.

	Roster(ctx context.Context, actor *Actor, from string, days int) ([]RosterEntry, error)
	// SetShift replaces who is on duty in one shift of the actor's region.
	SetShift(ctx context.Context, actor *Actor, day, shift string, piket, supervisors []int64) error
	// GenerateRoster fills empty shifts of days from `from` by rotating the
	// region's intake officers and supervisors.
	GenerateRoster(ctx context.Context, actor *Actor, from string, days int) (int, error)
	// DutyStaff lists the region's users who can be put on the roster.
	DutyStaff(ctx context.Context, actor *Actor) (piket, supervisors []User, err error)

	// Alerts: this is the staff member's side of alerts: in-app, always.

	Notifications(ctx context.Context, actor *Actor, limit int) ([]Notification, error)
	// OpenAlerts counts the actor's unacknowledged alerts up to
	// OpenAlertsCounted: every staff page shows it, so its cost must not
	// grow with a backlog (the bar says "99+").
	OpenAlerts(ctx context.Context, actor *Actor) (int, error)
	Acknowledge(ctx context.Context, actor *Actor, alertID string) error

	// The time limits, holidays and a staff member's own alert addresses.
	TimeLimits(ctx context.Context) (TimeLimits, error)
	SetTimeLimits(ctx context.Context, actor *Actor, l TimeLimits) error
	Holidays(ctx context.Context, from string) (map[string]string, error)
	SetHoliday(ctx context.Context, actor *Actor, day, name string) error
	Channels(ctx context.Context, actor *Actor) (map[string]string, error)
	SetChannel(ctx context.Context, actor *Actor, channel, address string) error

	// The UU PDP register of data-subject requests.
	AddPDPRequest(ctx context.Context, actor *Actor, kind string, receivedAt time.Time) (*PDPRequest, error)
	PDPRequests(ctx context.Context, actor *Actor) ([]PDPRequest, error)
	ClosePDPRequest(ctx context.Context, actor *Actor, id string) error
	// OpenPDPRequest registers a request with its content (sealed to the
	// supervisors), optionally linked to a case, and starts its clock.
	OpenPDPRequest(ctx context.Context, actor *Actor, q *PDPNewRequest) (*PDPRequest, error)
	// PDPRequest reads one request with the sealed parts the actor holds.
	PDPRequest(ctx context.Context, actor *Actor, id string) (*PDPRequest, error)
	VerifyPDPRequest(ctx context.Context, actor *Actor, id string, v *PDPVerification) error
	// DecidePDPRequest records the decision and stops the clock.
	DecidePDPRequest(ctx context.Context, actor *Actor, id string, d *PDPDecision) error
	// RestrictPDP restricts (or lifts the restriction of) processing of
	// the linked case or report: its write paths refuse with ERESTRICTED.
	RestrictPDP(ctx context.Context, actor *Actor, id string, on bool) error
	// PDPExport reads what the actor can read of the linked case or
	// report, for an access export to recipient (one of
	// PDPExportRecipients), audited.
	PDPExport(ctx context.Context, actor *Actor, id, recipient string) (*PDPExport, error)

	// The channel settings and what was delivered to whom.
	ChannelSettings(ctx context.Context) (*ChannelSettings, error)
	SetChannelSettings(ctx context.Context, actor *Actor, c *ChannelSettings) error
	DeliveryOf(ctx context.Context, notification int64, channel string) (*Delivery, error)
	MarkDelivered(ctx context.Context, notification int64, channel string) error
}

// OpenAlertsCounted is where the staff bar's count of open alerts stops.
const OpenAlertsCounted = 100
