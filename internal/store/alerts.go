package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/metrics"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Job kinds of the 24-hour duty.
const (
	JobAlertRaise    = "alert.raise"
	JobAlertEscalate = "alert.escalate"
	JobClockCheck    = "clock.check"
	JobDeliver       = "notify.deliver"
)

// alertJob is the payload of alert.raise.
type alertJob struct {
	Kind   string `json:"kind"` // report or case
	ID     string `json:"id"`
	Reason string `json:"reason"`
	Clock  string `json:"clock,omitempty"`
	Due    int64  `json:"due,omitempty"` // unix seconds: a clock's due time, or what tells repeated alerts apart
	Urgent bool   `json:"urgent"`
	Region string `json:"region"`
	// Item and Date name the record and the day an alert set ahead of
	// time is about (a protection order ending), checked when it is due.
	Item string `json:"item,omitempty"`
	Date string `json:"date,omitempty"`
}

// clockJob is the payload of clock.check: one stage (amber or red) of one
// clock of one record.
type clockJob struct {
	Clock  string `json:"clock"`
	Kind   string `json:"kind"`   // the record the alert is about: report or case
	ID     string `json:"id"`     // its id
	Item   string `json:"item"`   // the record whose clock it is (a referral, a plan entry), or ""
	Due    int64  `json:"due"`    // unix seconds
	Stage  string `json:"stage"`  // amber or red
	Region string `json:"region"` // for recipients
}

type escalateJob struct {
	Alert string `json:"alert"`
	Level int    `json:"level"`
}

// DeliverJob is the payload of notify.deliver: one notification over one
// external channel.
type DeliverJob = spiker.DeliverJob

// raise enqueues an alert in tx, to be raised at once after the commit.
func raise(ctx context.Context, tx *sqldb.Tx, a alertJob) error {
	return EnqueueIn(ctx, tx, JobAlertRaise, "raise:"+a.Reason+":"+a.Clock+":"+a.Kind+":"+a.ID+fmt.Sprint(":", a.Due), tx.Now(), a)
}

// startClock enqueues the amber and red checks of a clock in tx, at the
// moments spiker.Deadline gives: the same ones every page colours by.
func startClock(ctx context.Context, tx *sqldb.Tx, c clockJob, d spiker.Deadline) error {
	c.Due = d.Due.Unix()
	key := fmt.Sprintf("clock:%s:%s:%s:%s:%d:", c.Clock, c.Kind, c.ID, c.Item, c.Due)
	amberCheck, redCheck := c, c
	amberCheck.Stage, redCheck.Stage = "amber", "red"
	return enqueueAll(ctx, tx, newJob{JobClockCheck, key + "amber", d.Amber(), amberCheck}, newJob{JobClockCheck, key + "red", d.Due, redCheck})
}

// reportArrived starts what a new report sets off: the alert to the duty
// officer (urgent when someone is in danger) and the first-response clock.
func reportArrived(ctx context.Context, tx *sqldb.Tx, r *spiker.Report) error {
	reason := spiker.AlertNewReport
	if r.InDanger {
		reason = spiker.AlertDanger
	}
	if err := raise(ctx, tx, alertJob{Kind: kindReport, ID: r.ID, Reason: reason, Urgent: r.InDanger, Region: r.RegionCode}); err != nil {
		return err
	}
	l, err := timeLimits(ctx, tx)
	if err != nil {
		return err
	}
	d := spiker.Deadline{Start: r.CreatedAt, Due: r.CreatedAt.Add(l.FirstResponse)}
	return startClock(ctx, tx, clockJob{Clock: spiker.ClockFirstResponse, Kind: kindReport, ID: r.ID, Region: r.RegionCode}, d)
}

// reportIdentified starts the risk-based clock, or for risk "tinggi" an
// urgent alert at once.
func reportIdentified(ctx context.Context, tx *sqldb.Tx, id, region, risiko string, zone *time.Location) error {
	l, err := timeLimits(ctx, tx)
	if err != nil {
		return err
	}
	c := clockJob{Clock: spiker.ClockRisk, Kind: kindReport, ID: id, Region: region}
	switch risiko {
	case "tinggi":
		// Immediate: the alert is the clock.
		if err := setRiskDue(ctx, tx, id, tx.Now()); err != nil {
			return err
		}
		return raise(ctx, tx, alertJob{Kind: kindReport, ID: id, Reason: spiker.AlertRiskTinggi, Urgent: true, Region: region})
	case "sedang":
		due := tx.Now().Add(l.Sedang)
		if err := setRiskDue(ctx, tx, id, due); err != nil {
			return err
		}
		return startClock(ctx, tx, c, spiker.Deadline{Start: tx.Now(), Due: due})
	case "rendah":
		hol, err := holidaySet(ctx, tx, tx.Now().Add(-24*time.Hour))
		if err != nil {
			return err
		}
		due := spiker.AddWorkdays(tx.Now(), l.RendahWorkdays, zone, hol).UTC()
		if err := setRiskDue(ctx, tx, id, due); err != nil {
			return err
		}
		return startClock(ctx, tx, c, spiker.Deadline{Start: tx.Now(), Due: due})
	}
	return nil
}

// setRiskDue records when the risk-based response is due, for the inbox.
func setRiskDue(ctx context.Context, tx *sqldb.Tx, id string, due time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE reports SET risk_from_at = $1, risk_due_at = $2 WHERE id = $3`, tx.Now(), due, id)
	return err
}

// firstResponse acknowledges a report's arrival alerts: someone answered.
func (s *Store) firstResponse(ctx context.Context, tx *sqldb.Tx, reportID string, by int64) error {
	if err := s.countFirstResponse(ctx, tx, reportID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2
		WHERE record_kind = 'report' AND record_id = $3 AND acknowledged_at IS NULL
		  AND (reason IN ('new_report', 'danger') OR clock = 'first_response')`, tx.Now(), by, reportID)
	return err
}

// caseDeadline starts a clock on a case item due at the end of a date (a
// referral's due date, a plan item's), running from now.
func caseDeadline(ctx context.Context, tx *sqldb.Tx, clock, caseID, item, date string, zone *time.Location) error {
	d, ok := spiker.DueDateDeadline(tx.Now(), date, zone)
	if !ok {
		return nil
	}
	var region string
	if err := tx.Get(ctx, `SELECT region_code FROM cases WHERE id = $1`, []any{caseID}, &region); err != nil {
		return err
	}
	return startClock(ctx, tx, clockJob{Clock: clock, Kind: kindCase, ID: caseID, Item: item, Region: region}, d)
}

// regionNow is the region an alert about a record goes to when it is
// raised or escalated: a case's current region (it may have been moved to
// another kecamatan since the job was queued, see CorrectLocation), else
// the region the job carries.
func regionNow(ctx context.Context, tx *sqldb.Tx, kind, id, queued string) (string, error) {
	if kind != kindCase {
		return queued, nil
	}
	var region string
	err := tx.Get(ctx, `SELECT region_code FROM cases WHERE id = $1`, []any{id}, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return queued, nil
	}
	return region, err
}

// moveCaseAlerts moves a case's unacknowledged alerts and its recorded
// clock breaches to the region it was corrected to, in the correction's
// transaction (queued jobs look the region up when they run: regionNow).
func moveCaseAlerts(ctx context.Context, tx *sqldb.Tx, caseID, region string) error {
	if _, err := tx.Exec(ctx, `UPDATE alerts SET region_code = $1 WHERE record_kind = 'case' AND record_id = $2 AND acknowledged_at IS NULL`,
		region, caseID); err != nil {
		return err
	}
	// A breach is recorded under the record whose clock ran: the case, or
	// one of its referrals or plan items.
	_, err := tx.Exec(ctx, `UPDATE clock_breaches SET region_code = $1 WHERE record_kind = 'case' AND record_id = $2
		OR record_kind = $3 AND record_id IN (SELECT id FROM referrals WHERE case_id = $2)
		OR record_kind = $4 AND record_id IN (SELECT id FROM case_entries WHERE case_id = $2)
		OR record_kind = $5 AND record_id IN (SELECT id FROM case_takedown_requests WHERE case_id = $2)`,
		region, caseID, spiker.ClockReferral, spiker.ClockPlan, spiker.ClockTakedown)
	return err
}

// CheckClock is the clock.check job: if the clock still runs at this
// stage, it raises an amber alert, or records the breach and raises an
// urgent one.
func (s DutyService) CheckClock(ctx context.Context, j spiker.Job) error {
	var c clockJob
	if err := json.Unmarshal([]byte(j.Payload), &c); err != nil {
		return err
	}
	breached := false
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		breached = false
		running, err := clockRunning(ctx, tx, c)
		if err != nil || !running {
			return err
		}
		if c.Region, err = regionNow(ctx, tx, c.Kind, c.ID, c.Region); err != nil {
			return err
		}
		reason := spiker.AlertClockAmber
		if c.Stage == "red" {
			reason = spiker.AlertClockRed
			item, kind := c.ID, c.Kind
			if c.Item != "" {
				item, kind = c.Item, c.Clock
			}
			res, err := tx.Exec(ctx, `INSERT INTO clock_breaches (clock, record_kind, record_id, due_at, breached_at, region_code)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, c.Clock, kind, item, time.Unix(c.Due, 0), tx.Now(), c.Region)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			breached = n == 1
		}
		return s.raiseNow(ctx, tx, alertJob{Kind: c.Kind, ID: c.ID, Reason: reason, Clock: c.Clock, Due: c.Due, Urgent: c.Stage == "red", Region: c.Region})
	})
	if err == nil && breached {
		metrics.Breach(c.Clock) // counted once it is recorded, once per breach
	}
	return err
}

// clockRunning reports whether the work a clock waits for is still undone.
func clockRunning(ctx context.Context, tx *sqldb.Tx, c clockJob) (bool, error) {
	var n int
	var q string
	args := []any{c.ID}
	switch c.Clock {
	case spiker.ClockFirstResponse:
		q = `SELECT COUNT(*) FROM reports WHERE id = $1 AND first_response_at IS NULL AND status = 'baru'`
	case spiker.ClockRisk:
		q = `SELECT COUNT(*) FROM reports WHERE id = $1 AND status = 'baru'`
	case spiker.ClockTPKS:
		q = `SELECT COUNT(*) FROM cases WHERE id = $1 AND tpks AND police_reported_at IS NULL AND status <> 'ditutup'`
	case spiker.ClockReferral:
		q, args = `SELECT COUNT(*) FROM referrals WHERE id = $1 AND status IN ('dikirim', 'diterima')`, []any{c.Item}
	case spiker.ClockTakedown:
		// A request waits while unanswered, its item open and the case too.
		q, args = `SELECT COUNT(*) FROM case_takedown_requests q JOIN case_takedowns t ON t.id = q.takedown_id JOIN cases c ON c.id = q.case_id
			WHERE q.id = $1 AND q.status IN ('dikirim', 'diproses') AND t.status = 'diproses' AND c.status <> 'ditutup'`, []any{c.Item}
	case spiker.ClockPDP:
		q = `SELECT COUNT(*) FROM pdp_requests WHERE id = $1 AND done_at IS NULL`
	case spiker.ClockPlan:
		// A plan item is done when a service of its category was recorded
		// after it, or the case closed.
		q, args = `SELECT COUNT(*) FROM case_entries p JOIN cases c ON c.id = p.case_id WHERE p.id = $1 AND c.status <> 'ditutup'
			AND NOT EXISTS (SELECT 1 FROM case_entries s WHERE s.case_id = p.case_id AND s.kind = 'layanan' AND s.category = p.category AND s.created_at >= p.created_at)`, []any{c.Item}
	default:
		return false, fmt.Errorf("unknown clock %q", c.Clock)
	}
	err := tx.Get(ctx, q, args, &n)
	return n > 0, err
}

// RaiseAlert is the alert.raise job.
func (s DutyService) RaiseAlert(ctx context.Context, j spiker.Job) error {
	var a alertJob
	if err := json.Unmarshal([]byte(j.Payload), &a); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if a.Reason == spiker.AlertProtectionEnding {
			// Set ahead of time: the order may have been extended,
			// revoked or ended since.
			if ok, err := protectionStillEnding(ctx, tx, a); err != nil || !ok {
				return err
			}
		}
		return s.raiseNow(ctx, tx, a)
	})
}

func alertID(a alertJob) string {
	return fmt.Sprintf("%s-%s-%s-%s-%d", a.Reason, a.Clock, a.Kind, a.ID, a.Due)
}

func alertLink(kind, id string) string {
	switch kind {
	case kindReport:
		return "/staf/laporan/" + id
	case kindPDP:
		return "/staf/pdp/" + id
	case kindGrant:
		return "/staf/statistik#identitas"
	}
	return "/staf/kasus/" + id
}

// raiseNow stores the alert (once) and notifies its first recipients.
func (s DutyService) raiseNow(ctx context.Context, tx *sqldb.Tx, a alertJob) error {
	id := alertID(a)
	var err error
	if a.Region, err = regionNow(ctx, tx, a.Kind, a.ID, a.Region); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		id, a.Kind, a.ID, a.Reason, a.Clock, a.Urgent, a.Region, alertLink(a.Kind, a.ID), tx.Now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // raised before (a retried job)
	}
	return s.notifyLevel(ctx, tx, id, a.Kind, a.ID, a.Region, a.Urgent, spiker.LevelDuty)
}

// recipients returns who an alert goes to at a level, falling through to
// the next level when nobody is there (no roster for the shift).
func (s DutyService) recipients(ctx context.Context, tx *sqldb.Tx, alert, kind, id, region string, level int) ([]int64, int, error) {
	for ; level <= spiker.LevelSupervisors; level++ {
		var ids []int64
		var err error
		switch level {
		case spiker.LevelDuty:
			switch kind {
			case kindCase:
				ids, err = caseRecipients(ctx, tx, alert, id)
			case kindGrant:
				// The region's supervisors decide, never the requester.
				ids, err = grantDeciders(ctx, tx, id, region)
			case kindPDP:
				// Whoever registered the request answers it.
				var by int64
				if err = tx.Get(ctx, `SELECT created_by FROM pdp_requests WHERE id = $1`, []any{id}, &by); err == nil {
					ids = []int64{by}
				}
			default:
				ids, err = s.onDuty(ctx, tx, region, spiker.DutyPiket, tx.Now())
			}
		case spiker.LevelSupervisor:
			ids, err = s.onDuty(ctx, tx, region, spiker.DutySupervisor, tx.Now())
		default:
			var rows *sql.Rows
			rows, err = tx.Query(ctx, `SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
				WHERE r.role = 'supervisor' AND NOT u.disabled AND ($1 = u.region_code OR $1 LIKE u.region_code || '.%') ORDER BY u.id`, region)
			ids, err = sqldb.Collect(rows, err, scanID)
		}
		if err != nil {
			return nil, level, err
		}
		if len(ids) > 0 {
			return ids, level, nil
		}
	}
	return nil, spiker.LevelSupervisors, nil
}

// caseRecipients returns who is first told of a case's alert: the case
// team; a protection order's end goes to the case manager alone when the
// case has one on its team.
func caseRecipients(ctx context.Context, tx *sqldb.Tx, alert, caseID string) ([]int64, error) {
	team, err := caseTeam(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	var reason string
	var manager sql.NullInt64
	err = tx.Get(ctx, `SELECT a.reason, c.manager_id FROM alerts a JOIN cases c ON c.id = a.record_id WHERE a.id = $1`, []any{alert}, &reason, &manager)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if reason == spiker.AlertProtectionEnding && manager.Valid && slices.Contains(team, manager.Int64) {
		return []int64{manager.Int64}, nil
	}
	return team, nil
}

// notifyLevel notifies the recipients of a level (in-app, and a delivery
// job per external address) and schedules the next escalation.
func (s DutyService) notifyLevel(ctx context.Context, tx *sqldb.Tx, alert, kind, id, region string, urgent bool, level int) error {
	ids, level, err := s.recipients(ctx, tx, alert, kind, id, region, level)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE alerts SET level = $1 WHERE id = $2`, level, alert); err != nil {
		return err
	}
	if err := notifyUsers(ctx, tx, alert, level, ids); err != nil {
		return err
	}
	if level >= spiker.LevelSupervisors {
		return nil
	}
	l, err := timeLimits(ctx, tx)
	if err != nil {
		return err
	}
	wait := l.AckNormal
	if urgent {
		wait = l.AckUrgent
	}
	return EnqueueIn(ctx, tx, JobAlertEscalate, fmt.Sprintf("escalate:%s:%d", alert, level+1), tx.Now().Add(wait), escalateJob{Alert: alert, Level: level + 1})
}

// notifyUsers notifies users of an alert in the app, and enqueues a
// delivery to each of their external addresses.
func notifyUsers(ctx context.Context, tx *sqldb.Tx, alert string, level int, ids []int64) error {
	for _, uid := range ids {
		var nid int64
		err := tx.Get(ctx, `INSERT INTO notifications (alert_id, user_id, level, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (alert_id, user_id) DO NOTHING RETURNING id`, []any{alert, uid, level, tx.Now()}, &nid)
		if errors.Is(err, sql.ErrNoRows) {
			continue // notified at an earlier level
		} else if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT channel FROM user_channels WHERE user_id = $1 ORDER BY channel`, uid)
		channels, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (ch string, err error) { return ch, rows.Scan(&ch) })
		if err != nil {
			return err
		}
		for _, ch := range channels {
			if err := EnqueueIn(ctx, tx, JobDeliver, fmt.Sprintf("deliver:%d:%s", nid, ch), tx.Now(), DeliverJob{Notification: nid, Channel: ch}); err != nil {
				return err
			}
		}
	}
	return nil
}

// EscalateAlert is the alert.escalate job: an alert nobody acknowledged in
// time goes to the next level.
func (s DutyService) EscalateAlert(ctx context.Context, j spiker.Job) error {
	var e escalateJob
	if err := json.Unmarshal([]byte(j.Payload), &e); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var kind, id, region string
		var urgent bool
		var level int
		var acked sql.NullTime
		err := tx.Get(ctx, `SELECT record_kind, record_id, region_code, urgent, level, acknowledged_at FROM alerts WHERE id = $1`, []any{e.Alert},
			&kind, &id, &region, &urgent, &level, &acked)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if acked.Valid || level >= e.Level {
			return nil
		}
		if region, err = regionNow(ctx, tx, kind, id, region); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE alerts SET escalated_at = $1, region_code = $2 WHERE id = $3`, tx.Now(), region, e.Alert); err != nil {
			return err
		}
		return s.notifyLevel(ctx, tx, e.Alert, kind, id, region, urgent, e.Level)
	})
}

// Notifications returns the actor's alerts, open ones first.
func (s DutyService) Notifications(ctx context.Context, actor *spiker.Actor, limit int) ([]spiker.Notification, error) {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.Notification
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.id, n.level, n.created_at, a.id, a.record_kind, a.record_id, a.reason, a.clock, a.urgent, a.level,
			a.region_code, a.link, a.created_at, a.acknowledged_at, COALESCE(u.username, ''), a.escalated_at IS NOT NULL
			FROM notifications n JOIN alerts a ON a.id = n.alert_id LEFT JOIN users u ON u.id = a.acknowledged_by
			WHERE n.user_id = $1 ORDER BY (a.acknowledged_at IS NULL) DESC, n.created_at DESC LIMIT $2`, actor.UserID, limit)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (n spiker.Notification, err error) {
			a := &n.Alert
			if err := rows.Scan(&n.ID, &n.Level, &n.CreatedAt, &a.ID, &a.RecordKind, &a.RecordID, &a.Reason, &a.Clock, &a.Urgent, &a.Level,
				&a.RegionCode, &a.Link, &a.CreatedAt, &a.AcknowledgedAt, &a.AcknowledgedBy, &a.Escalated); err != nil {
				return n, err
			}
			n.CreatedAt, a.CreatedAt = n.CreatedAt.UTC(), a.CreatedAt.UTC()
			return n, nil
		})
		return err
	})
	return out, err
}

// openAlertsQuery counts a user's open alerts starting from the open ones
// (the partial index alerts_open, migration 0044) and probing each one's
// notification by its unique (alert_id, user_id): every staff page runs
// it, so its cost must follow what is open, not every alert ever raised
// (each report raises one). CROSS JOIN makes SQLite keep that order (it
// never reorders a CROSS JOIN); PostgreSQL plans it as a plain join and
// picks the same order from its statistics (EXPLAIN in alerts_count_test.go).
var openAlertsQuery = `SELECT COUNT(*) FROM (SELECT 1 FROM alerts a CROSS JOIN notifications n
	WHERE a.acknowledged_at IS NULL AND n.alert_id = a.id AND n.user_id = $1 LIMIT ` + openAlertsLimit + `) AS counted`

// openAlertsLimit is spiker.OpenAlertsCounted in the query's text.
var openAlertsLimit = strconv.Itoa(spiker.OpenAlertsCounted)

// OpenAlerts counts the actor's alerts nobody has acknowledged yet, up to
// spiker.OpenAlertsCounted: a backlog costs no more than that.
func (s DutyService) OpenAlerts(ctx context.Context, actor *spiker.Actor) (int, error) {
	var n int
	err := s.DB.Get(ctx, openAlertsQuery, []any{actor.UserID}, &n)
	return n, err
}

// Acknowledge marks an alert as seen to by the actor, who must have been
// notified of it; escalation stops.
func (s DutyService) Acknowledge(ctx context.Context, actor *spiker.Actor, alertID string) error {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.Get(ctx, `SELECT COUNT(*) FROM notifications WHERE alert_id = $1 AND user_id = $2`, []any{alertID, actor.UserID}, &n); err != nil {
			return err
		}
		if n == 0 {
			return spiker.Errorf(spiker.ENOTFOUND, "alert not found")
		}
		if _, err := tx.Exec(ctx, `UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL`,
			tx.Now(), actor.UserID, alertID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "alert.ack", "alert", alertID, "")
	})
}

// Breaches lists recorded breaches (for tests and statistics).
func (s DutyService) Breaches(ctx context.Context) ([]spiker.Breach, error) {
	var out []spiker.Breach
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT clock, record_kind, record_id, due_at, breached_at FROM clock_breaches ORDER BY breached_at, clock`)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (b spiker.Breach, err error) {
			if err := rows.Scan(&b.Clock, &b.RecordKind, &b.RecordID, &b.DueAt, &b.BreachedAt); err != nil {
				return b, err
			}
			b.DueAt, b.BreachedAt = b.DueAt.UTC(), b.BreachedAt.UTC()
			return b, nil
		})
		return err
	})
	return out, err
}

// Delivery is what the notify.deliver job needs.
type Delivery = spiker.Delivery

// DeliveryOf returns a notification's delivery on a channel.
func (s DutyService) DeliveryOf(ctx context.Context, notification int64, channel string) (*Delivery, error) {
	d := &Delivery{}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var status sql.NullString
		err := tx.Get(ctx, `SELECT c.address, a.id, a.reason, a.clock, a.urgent, a.link, a.record_kind, dl.status
			FROM notifications n JOIN alerts a ON a.id = n.alert_id JOIN user_channels c ON c.user_id = n.user_id AND c.channel = $2
			LEFT JOIN deliveries dl ON dl.notification_id = n.id AND dl.channel = $2 WHERE n.id = $1`, []any{notification, channel},
			&d.Address, &d.Alert.ID, &d.Alert.Reason, &d.Alert.Clock, &d.Alert.Urgent, &d.Alert.Link, &d.Alert.RecordKind, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.ENOTFOUND, "the notification or the address is gone")
		}
		d.Sent = status.String == "sent"
		return err
	})
	return d, err
}

// MarkDelivered records a sent delivery, so a retried job does not send
// it again.
func (s DutyService) MarkDelivered(ctx context.Context, notification int64, channel string) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO deliveries (notification_id, channel, status, sent_at) VALUES ($1, $2, 'sent', $3)
			ON CONFLICT (notification_id, channel) DO UPDATE SET status = 'sent', sent_at = excluded.sent_at`, notification, channel, tx.Now())
		return err
	})
}

// SetChannel sets (or with an empty address removes) one of the actor's
// own alert addresses.
func (s DutyService) SetChannel(ctx context.Context, actor *spiker.Actor, channel, address string) error {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return err
	}
	if err := spiker.ValidateChannelAddress(channel, address); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if err := setChannelIn(ctx, tx, actor.UserID, channel, address); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.channel", "user", fmt.Sprint(actor.UserID), channel)
	})
}

// setChannelIn sets (or with an empty address removes) a user's alert
// address on a channel in tx.
func setChannelIn(ctx context.Context, tx *sqldb.Tx, userID int64, channel, address string) error {
	var err error
	if address == "" {
		_, err = tx.Exec(ctx, `DELETE FROM user_channels WHERE user_id = $1 AND channel = $2`, userID, channel)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO user_channels (user_id, channel, address) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, channel) DO UPDATE SET address = excluded.address`, userID, channel, address)
	}
	return err
}

// Channels returns the actor's alert addresses by channel.
func (s DutyService) Channels(ctx context.Context, actor *spiker.Actor) (map[string]string, error) {
	out := map[string]string{}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT channel, address FROM user_channels WHERE user_id = $1`, actor.UserID)
		channels, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (ca [2]string, err error) {
			return ca, rows.Scan(&ca[0], &ca[1])
		})
		for _, ca := range channels {
			out[ca[0]] = ca[1]
		}
		return err
	})
	return out, err
}

// grantDeciders are the supervisors who may decide an identity-export
// request of the region: every one but the requester.
func grantDeciders(ctx context.Context, tx *sqldb.Tx, grantID, region string) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE r.role = 'supervisor' AND NOT u.disabled AND ($1 = u.region_code OR $1 LIKE u.region_code || '.%')
		AND u.id <> (SELECT requested_by FROM register_grants WHERE id = $2) ORDER BY u.id`, region, grantID)
	return sqldb.Collect(rows, err, func(rows *sql.Rows) (id int64, err error) { return id, rows.Scan(&id) })
}
