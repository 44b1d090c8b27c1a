package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// TestAlertsBarBacklog: the staff bar counts open alerts exactly up to
// where the count stops, then says "99+" (its cost does not grow with a
// backlog).
func TestAlertsBarBacklog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		secret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
		var userID int64
		if err := m.DB.Get(ctx, `SELECT id FROM users WHERE username = $1`, []any{"konselor.satu"}, &userID); err != nil {
			t.Fatal(err)
		}
		addAlerts := func(from, n int) {
			t.Helper()
			err := m.DB.Update(ctx, func(tx *sqldb.Tx) error {
				for i := from; i < from+n; i++ {
					id := fmt.Sprintf("backlog-%05d", i)
					if err := tx.Queue(ctx, `INSERT INTO alerts (id, record_kind, record_id, reason, clock, urgent, level, region_code, link, created_at)
						VALUES ($1, 'report', $1, 'new_report', '', FALSE, 0, '35.24', '/staf/laporan/x', $2)`, id, tx.Now()); err != nil {
						return err
					}
					if err := tx.Queue(ctx, `INSERT INTO notifications (alert_id, user_id, level, created_at) VALUES ($1, $2, 0, $3)`, id, userID, tx.Now()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		staff := newPortal(t, m)
		signIn(t, staff, "konselor.satu", secret, m.Clock.Now())
		addAlerts(0, spiker.OpenAlertsCounted-1)
		if _, page := staff.get("/staf/"); !strings.Contains(page, fmt.Sprintf("(%d)</a>", spiker.OpenAlertsCounted-1)) {
			t.Fatalf("the bar with %d open alerts:\n%.2000s", spiker.OpenAlertsCounted-1, page)
		}
		addAlerts(spiker.OpenAlertsCounted, 50)
		if _, page := staff.get("/staf/"); !strings.Contains(page, "(99&#43;)</a>") { // html/template writes + as &#43;
			t.Fatalf("the bar with a backlog:\n%.2000s", page)
		}
	})
}
