package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestOpenAlertsCount checks the staff bar's count against the list it
// summarises: new reports raise alerts, an acknowledgement and a reply
// (which acknowledges the arrival alert) each take one away, and alerts
// of another user never count.
func TestOpenAlertsCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		clk := &fakeClock{t: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}
		s.DB.Now = clk.Now
		reports, duty := store.ReportService{Store: s}, store.DutyService{Store: s}
		piket := staff(t, s, "konselor.piket", spiker.RoleKonselorPiket)
		onCall := staff(t, s, "supervisor.jaga", spiker.RoleSupervisor)
		if err := duty.SetShift(ctx, onCall, "2026-11-25", "pagi", []int64{piket.UserID}, []int64{onCall.UserID}); err != nil {
			t.Fatal(err)
		}
		nodes := newDutyNodes(t, s, 1)
		count := func(a *spiker.Actor, want int, when string) {
			t.Helper()
			n, err := duty.OpenAlerts(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if listed := len(alertsOf(t, duty, a)); n != want || n != listed {
				t.Fatalf("%s: count %d, listed %d, want %d", when, n, listed, want)
			}
		}
		var rs []*spiker.Report
		for range 3 {
			r := sampleReport()
			r.InDanger = false
			if _, err := reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		nodes.pass()
		count(piket, 3, "three new reports")
		count(onCall, 0, "before any escalation")

		ns, err := duty.Notifications(ctx, piket, 10)
		if err != nil {
			t.Fatal(err)
		}
		if err := duty.Acknowledge(ctx, piket, ns[0].Alert.ID); err != nil {
			t.Fatal(err)
		}
		count(piket, 2, "after an acknowledgement")
		if err := reports.Reply(ctx, piket, rs[0].ID, "Terima kasih, kami akan menghubungi Anda."); err != nil {
			t.Fatal(err)
		}
		if err := reports.Reply(ctx, piket, rs[1].ID, "Terima kasih, kami akan menghubungi Anda."); err != nil {
			t.Fatal(err)
		}
		// Two replies: one to a report whose alert may already be
		// acknowledged, so count what is left from the list itself.
		left := 0
		for _, r := range rs {
			for _, n := range mustNotifications(t, duty, piket) {
				if n.Alert.RecordID == r.ID && n.Alert.AcknowledgedAt == nil {
					left++
				}
			}
		}
		count(piket, left, "after two replies")
		if left == 0 || left > 1 {
			t.Fatalf("open after two replies and one acknowledgement: %d", left)
		}
	})
}

func mustNotifications(t *testing.T, duty store.DutyService, a *spiker.Actor) []spiker.Notification {
	t.Helper()
	ns, err := duty.Notifications(context.Background(), a, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// TestOpenAlertsPlan checks that the count walks the open alerts only:
// with thousands of acknowledged alerts and a few open ones, both
// databases' plans start from the partial index alerts_open.
func TestOpenAlertsPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		piket := staff(t, s, "konselor.piket", spiker.RoleKonselorPiket)
		const acked, open = 3000, 4
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			for i := range acked + open {
				var ackAt, ackBy any
				if i < acked {
					ackAt, ackBy = now, piket.UserID
				}
				id := fmt.Sprintf("alert-%05d", i)
				if err := tx.Queue(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at, acknowledged_at, acknowledged_by)
					VALUES ($1, 'report', $1, 'new_report', '', FALSE, 0, '35.24', '/staf/laporan/x', $2, $3, $4)`, id, now, ackAt, ackBy); err != nil {
					return err
				}
				if err := tx.Queue(ctx, `INSERT INTO notifications (alert_id, user_id, level, created_at) VALUES ($1, $2, 0, $3)`, id, piket.UserID, now); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `ANALYZE`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := (store.DutyService{Store: s}).OpenAlerts(ctx, piket); err != nil || n != open {
			t.Fatalf("count = %d, %v; want %d", n, err, open)
		}
		plan := queryPlan(t, s, strings.ReplaceAll(store.OpenAlertsQuery, "$1", fmt.Sprint(piket.UserID)))
		t.Logf("plan:\n%s", strings.Join(plan, "\n"))
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "alerts_open") || strings.Contains(text, "Seq Scan on alerts") ||
			strings.Contains(text, "notifications_user") {
			t.Fatalf("the count does not start from the open alerts:\n%s", text)
		}
		// A backlog: the count stops at spiker.OpenAlertsCounted.
		err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			for i := range spiker.OpenAlertsCounted + 20 {
				id := fmt.Sprintf("backlog-%05d", i)
				if err := tx.Queue(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at)
					VALUES ($1, 'report', $1, 'new_report', '', FALSE, 0, '35.24', '/staf/laporan/x', $2)`, id, now); err != nil {
					return err
				}
				if err := tx.Queue(ctx, `INSERT INTO notifications (alert_id, user_id, level, created_at) VALUES ($1, $2, 0, $3)`, id, piket.UserID, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := (store.DutyService{Store: s}).OpenAlerts(ctx, piket); err != nil || n != spiker.OpenAlertsCounted {
			t.Fatalf("count with a backlog of %d = %d, %v; want %d", open+spiker.OpenAlertsCounted+20, n, err, spiker.OpenAlertsCounted)
		}
	})
}

// queryPlan returns the database's plan for query, one line a row.
func queryPlan(t *testing.T, s *store.Store, query string) []string {
	t.Helper()
	ctx := context.Background()
	explain := "EXPLAIN QUERY PLAN "
	if s.DB.Dialect() == sqldb.Postgres {
		explain = "EXPLAIN "
	}
	var plan []string
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, explain+query)
		if err != nil {
			return err
		}
		cols, _ := rows.Columns()
		plan, err = sqldb.Collect(rows, nil, func(rows *sql.Rows) (string, error) {
			v := make([]any, len(cols))
			for i := range v {
				v[i] = new(any)
			}
			err := rows.Scan(v...)
			return fmt.Sprint(*(v[len(v)-1].(*any))), err
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestPendingSweepPlan checks that the blind-index sweep each report and
// case view runs reads only the waiting rows: with thousands of reports
// and none waiting, both databases' plans use the partial indexes.
func TestPendingSweepPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		reports := store.ReportService{Store: s}
		for range 30 {
			r := sampleReport()
			if _, err := reports.CreateReport(ctx, r, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Many more reports, none waiting for its index.
		err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
			for i := range 3000 {
				if err := tx.Queue(ctx, `INSERT INTO reports (id, created_at, channel, region_code, in_danger, status, narrative, place_detail, victim_name, contact)
					VALUES ($1, $2, 'web', '35.24', FALSE, 'baru', $3, $3, $3, $3)`, fmt.Sprintf("bulk-%05d", i), now.Add(time.Duration(i)*time.Second), []byte("x")); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE reports SET index_pending = FALSE`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `ANALYZE`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.DB.Dialect() == sqldb.Postgres {
			// PostgreSQL finds the waiting rows through either index on
			// the flag; it must not walk the reports.
			plan := strings.Join(queryPlan(t, s, strings.ReplaceAll(store.PendingReportsQuery, "$1", "200")), "\n")
			t.Logf("plan:\n%s", plan)
			if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "index_pending") && !strings.Contains(plan, "reports_pending") {
				t.Errorf("the sweep walks the reports:\n%s", plan)
			}
			return
		}
		// SQLite walked every report by created_at with an index on the
		// flag alone.
		for _, c := range []struct{ query, index string }{{store.PendingReportsQuery, "reports_pending"}, {store.PendingVictimsQuery, "case_victims_pending"}} {
			plan := strings.Join(queryPlan(t, s, strings.ReplaceAll(c.query, "$1", "200")), "\n")
			t.Logf("plan:\n%s", plan)
			if !strings.Contains(plan, c.index) {
				t.Errorf("the sweep does not use %s:\n%s", c.index, plan)
			}
		}
	})
}
