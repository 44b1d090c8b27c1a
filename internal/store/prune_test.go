package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// pruneWorld holds a store on a controlled clock and writes rows straight
// into its tables, each dated relative to the clock.
type pruneWorld struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	clk *fakeClock
}

func (w *pruneWorld) exec(q string, args ...any) {
	w.t.Helper()
	if err := w.s.DB.Update(w.ctx, func(tx *sqldb.Tx) error { _, err := tx.Exec(w.ctx, q, args...); return err }); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

func (w *pruneWorld) count(q string, args ...any) (n int) {
	w.t.Helper()
	if err := w.s.DB.View(w.ctx, func(tx *sqldb.Tx) error { return tx.Get(w.ctx, q, args, &n) }); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// ago is the clock's time less d.
func (w *pruneWorld) ago(d time.Duration) time.Time { return w.clk.Now().Add(-d) }

// runPrune runs the due prune job the way the program does.
func (w *pruneWorld) runPrune() {
	w.t.Helper()
	r := &jobs.Runner{Queue: w.s, Node: fmt.Sprintf("node-%d", time.Now().UnixNano())}
	for kind, h := range w.s.JobHandlers() {
		r.Handle(kind, h)
	}
	n, err := r.RunDue(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	if n == 0 {
		w.t.Fatal("no prune job was due")
	}
}

// Each operational table: a row past its period is gone after the prune
// job runs, a row within it stays, and a second run changes nothing.
func TestPruneOperationalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		w := &pruneWorld{t: t, ctx: ctx, s: s, clk: clk}
		if err := s.ScheduleJobs(ctx); err != nil {
			t.Fatal(err)
		}
		// The prune is due at the next 10 minutes; the rows are written
		// relative to the time it runs.
		clk.Add(10 * time.Minute)
		const minute = time.Minute

		a := staff(t, s, "konselor.satu", spiker.RoleKonselorPiket)
		b := staff(t, s, "konselor.dua", spiker.RoleKonselorPiket)
		if _, err := (store.ReportService{Store: s}).CreateReport(ctx, sampleReport(), "api:prune-test-0123456789"); err != nil {
			t.Fatal(err)
		}
		var reportID string
		s.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT id FROM reports`, nil, &reportID) })
		w.exec(`DELETE FROM submissions`)

		// Sessions: ended by idleness or age, or still live.
		session := func(table, key string, owner any, created, seen time.Time) {
			if table == "staff_sessions" {
				w.exec(`INSERT INTO staff_sessions (id_hash, user_id, sealed_key, csrf, created_at, last_seen) VALUES ($1, $2, $3, 'x', $4, $5)`,
					[]byte(key), owner, []byte("k"), created, seen)
			} else {
				w.exec(`INSERT INTO followup_sessions (id_hash, report_id, sealed_key, created_at, last_seen) VALUES ($1, $2, $3, $4, $5)`,
					[]byte(key), owner, []byte("k"), created, seen)
			}
		}
		session("staff_sessions", "staff-idle", a.UserID, w.ago(time.Hour), w.ago(store.StaffIdle+minute))
		session("staff_sessions", "staff-old", a.UserID, w.ago(store.StaffMax+minute), w.ago(minute))
		session("staff_sessions", "staff-live", a.UserID, w.ago(store.StaffMax-minute), w.ago(store.StaffIdle-minute))
		session("followup_sessions", "followup-idle", reportID, w.ago(20*minute), w.ago(store.FollowupIdle+minute))
		session("followup_sessions", "followup-old", reportID, w.ago(store.FollowupMax+minute), w.ago(minute))
		session("followup_sessions", "followup-live", reportID, w.ago(store.FollowupMax-minute), w.ago(store.FollowupIdle-minute))

		// Form tokens: a day old (deleted), past the receipt window (its
		// view ended, the token kept), within it (kept as it is).
		submission := func(key string, created time.Time) {
			w.exec(`INSERT INTO submissions (token_hash, report_id, receipt_sealed, pepper, created_at, view_hash, view_sealed) VALUES ($1, $2, $3, 1, $4, $1, $3)`,
				[]byte(key), reportID, []byte("sealed"), created)
		}
		submission("token-old", w.ago(store.SubmissionKept+minute))
		submission("token-past-window", w.ago(spiker.ReceiptWindow+minute))
		submission("token-in-window", w.ago(spiker.ReceiptWindow-minute))

		// Links, codes and challenges, expired or not.
		w.exec(`UPDATE users SET enrol_hash = $1, enrol_expires = $2, enrol_kind = 'new' WHERE id = $3`, []byte("link-a"), w.ago(minute), a.UserID)
		w.exec(`UPDATE users SET enrol_hash = $1, enrol_expires = $2, enrol_kind = 'new' WHERE id = $3`, []byte("link-b"), w.ago(-minute), b.UserID)
		w.exec(`INSERT INTO telegram_codes (user_id, code_hash, expires_at) VALUES ($1, $2, $3), ($4, $5, $6)`,
			a.UserID, []byte("code-a"), w.ago(minute), b.UserID, []byte("code-b"), w.ago(-minute))
		w.exec(`INSERT INTO passkey_challenges (challenge_hash, user_id, purpose, session, expires_at) VALUES ($1, $2, 'x', 'x', $3), ($4, $2, 'x', 'x', $5)`,
			[]byte("challenge-old"), a.UserID, w.ago(minute), []byte("challenge-live"), w.ago(-minute))
		grant := func(id string, expires time.Time) {
			w.exec(`INSERT INTO register_grants (id, requested_by, requested_at, period_from, period_to, region_code, reason, status, expires_at, sealed_key, identities)
				VALUES ($1, $2, $3, '2026-01', '2026-06', '35.24', 'x', $4, $5, $6, $6)`, id, a.UserID, w.ago(time.Hour), spiker.GrantApproved, expires, []byte("sealed"))
		}
		grant("grant-expired", w.ago(minute))
		grant("grant-open", w.ago(-minute))

		// Redelivery guards.
		w.exec(`INSERT INTO telegram_updates (bot, update_id, received_at) VALUES ('bot', 1, $1), ('bot', 2, $2)`,
			w.ago(7*24*time.Hour+minute), w.ago(7*24*time.Hour-minute))
		w.exec(`INSERT INTO whatsapp_seen (source_hash, created_at) VALUES ($1, $2), ($3, $4)`,
			[]byte("seen-old"), w.ago(store.WhatsAppSeenKept+minute), []byte("seen-new"), w.ago(store.WhatsAppSeenKept-minute))

		// Jobs: finished ones by their periods; one still to run however old.
		job := func(key, status string, finished any) {
			w.exec(`INSERT INTO jobs (kind, payload, dedupe_key, run_at, status, max_attempts, created_at, finished_at) VALUES ('x', '{}', $1, $2, $3, 1, $2, $4)`,
				key, w.ago(60*24*time.Hour), status, finished)
		}
		job("done-old", "done", w.ago(store.JobsDoneKept+minute))
		job("done-new", "done", w.ago(store.JobsDoneKept-minute))
		job("failed-old", "failed", w.ago(store.JobsFailedKept+minute))
		job("failed-new", "failed", w.ago(store.JobsFailedKept-minute))
		// (created long ago, due in a year: no runner here takes it)
		w.exec(`INSERT INTO jobs (kind, payload, dedupe_key, run_at, status, max_attempts, created_at) VALUES ('x', '{}', 'ready-old', $1, 'ready', 1, $2)`,
			w.ago(-365*24*time.Hour), w.ago(365*24*time.Hour))

		// Alerts: acknowledged long ago (with a notification and a
		// delivery), recently, never; and an old audit anchor.
		alert := func(id, kind string, acked any) {
			w.exec(`INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at, acknowledged_at)
				VALUES ($1, $2, 'r', 'x', '', FALSE, 0, '35.24', '/', $3, $4)`, id, kind, w.ago(365*24*time.Hour), acked)
			var nid int64
			if err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
				return tx.Get(ctx, `INSERT INTO notifications (alert_id, user_id, level, created_at) VALUES ($1, $2, 0, $3) RETURNING id`,
					[]any{id, a.UserID, w.ago(365 * 24 * time.Hour)}, &nid)
			}); err != nil {
				t.Fatal(err)
			}
			w.exec(`INSERT INTO deliveries (notification_id, channel, status) VALUES ($1, 'email', 'sent')`, nid)
		}
		alert("alert-old", "report", w.ago(store.AlertsKept+minute))
		alert("alert-new", "report", w.ago(store.AlertsKept-minute))
		alert("alert-open", "report", nil)
		alert("audit-anchor-2025-01-01", "audit", w.ago(store.AlertsKept+minute))

		// Rate limits: each kind of bucket just past its window and just
		// within it (a shared budget has one row: past or within).
		// signin:client: rows are both sign-in's per-client throttle (30
		// minutes) and the per-user bucket (15): the longer holds.
		type bucket struct {
			name   string
			window time.Duration
		}
		perClient := []bucket{{"report:client:", time.Hour}, {"file:client:", time.Hour}, {"receipt:client:", 5 * minute},
			{"signin:pair:", 15 * minute}, {"signin:client:", 30 * minute}, {"signin:account:", time.Hour}, {"telegram:chat:", 25 * minute},
			{"older:kind:", time.Hour}} // no longer named by any rule: the longest window
		for _, b := range perClient {
			w.exec(`INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, 0, $2), ($3, 0, $4)`,
				b.name+"past", w.ago(b.window+minute), b.name+"within", w.ago(b.window-time.Second))
		}
		for _, b := range []bucket{{"report:all", time.Hour}, {"receipt:all", 5 * minute}} {
			w.exec(`INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, 0, $2)`, b.name, w.ago(b.window+minute))
		}
		for _, b := range []bucket{{"signin:all", minute}, {"telegram:all", time.Hour}, {"file:all", time.Hour}} {
			w.exec(`INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, 0, $2)`, b.name, w.ago(b.window-time.Second))
		}
		// A spent proof of work is kept until its challenge expires.
		w.exec(`INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ('proof:spent', 0, $1), ('proof:live', 0, $2)`, w.ago(minute), w.ago(-minute))

		check := func(when string) {
			t.Helper()
			for _, c := range []struct {
				what  string
				query string
				args  []any
				want  int
			}{
				{"ended staff sessions", `SELECT COUNT(*) FROM staff_sessions WHERE id_hash IN ($1, $2)`, []any{[]byte("staff-idle"), []byte("staff-old")}, 0},
				{"the live staff session", `SELECT COUNT(*) FROM staff_sessions WHERE id_hash = $1`, []any{[]byte("staff-live")}, 1},
				{"ended follow-up sessions", `SELECT COUNT(*) FROM followup_sessions WHERE id_hash IN ($1, $2)`, []any{[]byte("followup-idle"), []byte("followup-old")}, 0},
				{"the live follow-up session", `SELECT COUNT(*) FROM followup_sessions WHERE id_hash = $1`, []any{[]byte("followup-live")}, 1},
				{"the day-old form token", `SELECT COUNT(*) FROM submissions WHERE token_hash = $1`, []any{[]byte("token-old")}, 0},
				{"the token past its window, its view ended", `SELECT COUNT(*) FROM submissions WHERE token_hash = $1 AND receipt_ended AND view_hash IS NULL AND view_sealed IS NULL`,
					[]any{[]byte("token-past-window")}, 1},
				{"the token within its window, its view held", `SELECT COUNT(*) FROM submissions WHERE token_hash = $1 AND NOT receipt_ended AND view_sealed IS NOT NULL`,
					[]any{[]byte("token-in-window")}, 1},
				{"the expired enrolment link", `SELECT COUNT(*) FROM users WHERE id = $1 AND enrol_hash IS NULL AND enrol_expires IS NULL AND enrol_kind IS NULL`, []any{a.UserID}, 1},
				{"the open enrolment link", `SELECT COUNT(*) FROM users WHERE id = $1 AND enrol_hash IS NOT NULL`, []any{b.UserID}, 1},
				{"the expired Telegram code", `SELECT COUNT(*) FROM telegram_codes WHERE user_id = $1`, []any{a.UserID}, 0},
				{"the open Telegram code", `SELECT COUNT(*) FROM telegram_codes WHERE user_id = $1`, []any{b.UserID}, 1},
				{"the expired passkey challenge", `SELECT COUNT(*) FROM passkey_challenges WHERE challenge_hash = $1`, []any{[]byte("challenge-old")}, 0},
				{"the live passkey challenge", `SELECT COUNT(*) FROM passkey_challenges WHERE challenge_hash = $1`, []any{[]byte("challenge-live")}, 1},
				{"the expired grant, wiped", `SELECT COUNT(*) FROM register_grants WHERE id = 'grant-expired' AND status = $1 AND sealed_key IS NULL AND identities IS NULL`,
					[]any{spiker.GrantExpired}, 1},
				{"the open grant", `SELECT COUNT(*) FROM register_grants WHERE id = 'grant-open' AND status = $1 AND identities IS NOT NULL`, []any{spiker.GrantApproved}, 1},
				{"Telegram updates", `SELECT COUNT(*) FROM telegram_updates WHERE update_id = 1`, nil, 0},
				{"the recent Telegram update", `SELECT COUNT(*) FROM telegram_updates WHERE update_id = 2`, nil, 1},
				{"the old WhatsApp id", `SELECT COUNT(*) FROM whatsapp_seen WHERE source_hash = $1`, []any{[]byte("seen-old")}, 0},
				{"the recent WhatsApp id", `SELECT COUNT(*) FROM whatsapp_seen WHERE source_hash = $1`, []any{[]byte("seen-new")}, 1},
				{"old finished jobs", `SELECT COUNT(*) FROM jobs WHERE dedupe_key IN ('done-old', 'failed-old')`, nil, 0},
				{"recent finished jobs and a job to run", `SELECT COUNT(*) FROM jobs WHERE dedupe_key IN ('done-new', 'failed-new', 'ready-old')`, nil, 3},
				{"the old acknowledged alert", `SELECT COUNT(*) FROM alerts WHERE id = 'alert-old'`, nil, 0},
				{"its notification", `SELECT COUNT(*) FROM notifications WHERE alert_id = 'alert-old'`, nil, 0},
				{"the deliveries of the others' notifications alone", `SELECT COUNT(*) FROM deliveries`, nil, 3},
				{"the other alerts with their notifications", `SELECT COUNT(*) FROM alerts a JOIN notifications n ON n.alert_id = a.id`, nil, 3},
				{"the audit anchor", `SELECT COUNT(*) FROM alerts WHERE record_kind = 'audit'`, nil, 1},
				{"rate-limit rows past their window", `SELECT COUNT(*) FROM rate_limits WHERE bucket LIKE '%past' OR bucket IN ('report:all', 'receipt:all', 'proof:spent')`, nil, 0},
				{"rate-limit rows within their window", `SELECT COUNT(*) FROM rate_limits WHERE bucket LIKE '%within' OR bucket IN ('signin:all', 'telegram:all', 'file:all', 'proof:live')`,
					nil, len(perClient) + 4},
			} {
				if n := w.count(c.query, c.args...); n != c.want {
					t.Errorf("%s: %s: %d rows, want %d", when, c.what, n, c.want)
				}
			}
		}
		w.runPrune()
		check("after the prune")
		// A second run, at once and at the next slot, changes nothing.
		got, err := s.Prune(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for step, n := range got {
			if n != 0 {
				t.Errorf("a second prune touched %d rows in %s", n, step)
			}
		}
		check("after a second prune")
		if n := w.count(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'ready' AND run_at > $2`, store.JobPrune, clk.Now()); n != 1 {
			t.Fatalf("%d prune jobs waiting for the next run, want 1", n)
		}
	})
}

// A rate-limit bucket's row stays while it is refilling and is deleted
// once its window has passed: the limit holds as if it had never been
// pruned. Rows beyond a batch are all pruned in one run.
func TestPruneRateLimitsAndBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		w := &pruneWorld{t: t, ctx: ctx, s: s, clk: clk}
		client := "client-hash"
		spend := func() (allowed int) {
			for range 10 {
				if s.Allow(ctx, spiker.ActionReport, client) == nil {
					allowed++
				}
			}
			return allowed
		}
		if n := spend(); n != 5 {
			t.Fatalf("%d reports allowed, want 5", n)
		}
		row := func() int {
			return w.count(`SELECT COUNT(*) FROM rate_limits WHERE bucket = $1`, spiker.ActionReport+":client:"+client)
		}
		clk.Add(time.Hour - time.Minute)
		if _, err := s.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		if row() != 1 {
			t.Fatal("the client's bucket was pruned while it refilled")
		}
		clk.Add(2 * time.Minute)
		if _, err := s.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		if row() != 0 {
			t.Fatal("the client's bucket outlived its window")
		}
		if n := spend(); n != 5 {
			t.Fatalf("%d reports allowed after the prune, want 5", n)
		}

		// 1,200 old WhatsApp ids: three batches, one run.
		var args []any
		for i := range 1200 {
			args = append(args, []byte(fmt.Sprintf("seen-%d", i)), w.ago(store.WhatsAppSeenKept+time.Hour))
		}
		w.exec(`INSERT INTO whatsapp_seen (source_hash, created_at) VALUES `+sqldb.ValueRows(1200, 2), args...)
		got, err := s.Prune(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got["whatsapp_seen"] != 1200 || w.count(`SELECT COUNT(*) FROM whatsapp_seen`) != 0 {
			t.Fatalf("pruned %d WhatsApp ids, %d left", got["whatsapp_seen"], w.count(`SELECT COUNT(*) FROM whatsapp_seen`))
		}
	})
}
