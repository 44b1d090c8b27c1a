package main

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
)

// movableClock is the program's clock in a test that moves time on. It
// runs with the real time from the moment it was set to.
type movableClock struct {
	mu  sync.Mutex
	off time.Duration
}

// clockAt returns a clock that reads at now and runs on from there.
func clockAt(at time.Time) *movableClock { return &movableClock{off: time.Until(at)} }

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.off)
}

func (c *movableClock) Add(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// waitFor reloads a page until its text contains want (the job runner
// works in the background, polling every second).
func (b *browser) waitFor(path, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.open(path)
		text := b.bodyText()
		if strings.Contains(text, want) {
			return text
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never showed %q: %.600s", path, want, text)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestBrowserDutyAlertEscalates: at 02:15 on a Monday night, a supervisor
// sees the night shift that began on Sunday at 23:00 as the running one,
// fills the empty shifts from it, then puts an intake officer and themself
// on it; a report with someone in danger alerts the officer on duty in the
// app at once; left unacknowledged for 15 minutes it goes up to the
// supervisor on call, who acknowledges it. The clock is pinned, so the
// test runs the same whatever the real hour.
func TestBrowserDutyAlertEscalates(t *testing.T) {
	t.Parallel()
	clock := clockAt(time.Date(2026, 12, 7, 2, 15, 0, 0, spiker.TimeZone("35.24")))
	b := startBrowser(t, func(c *Config) { c.Clock = clock.Now })
	var kSecret, sSecret, k2Secret string
	await(t,
		async(t, newStaff(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, &kSecret, nil)),
		async(t, newStaff(t, b.m, "konselor.dua", spiker.RoleKonselorPiket, &k2Secret, nil)),
		async(t, newStaff(t, b.m, "kepala.uptd", spiker.RoleSupervisor, &sSecret, nil)),
	)
	officer, sup := b, b.person()
	now := clock.Now()
	await(t, async(t, officer.signIn("konselor.satu", kSecret, now)), async(t, sup.signIn("kepala.uptd", sSecret, now)))

	// The week starts with Sunday, whose night shift is running; filling
	// the empty shifts puts someone on it.
	if status := sup.open("/staf/piket"); status != 200 {
		t.Fatalf("the roster: HTTP %d", status)
	}
	if n := eval[int](sup, `document.querySelectorAll("td.now").length`); n != 1 {
		t.Fatalf("the roster marks %d cells as the current shift", n)
	}
	if row := eval[string](sup, `document.querySelector("td.now").closest("tr").querySelector("th").innerText`); !strings.Contains(row, "6 Desember 2026") {
		t.Fatalf("the running night shift is not Sunday's: %q", row)
	}
	if cell := eval[string](sup, `document.querySelector("td.now").innerText`); !strings.Contains(cell, "Sedang berjalan") || !strings.Contains(cell, "Belum ada petugas piket") {
		t.Fatalf("the running shift before filling: %q", cell)
	}
	if status := sup.submit("filling the empty shifts", `form[action="/staf/piket/buat"] button[type=submit]`); status != 200 {
		t.Fatalf("filling: HTTP %d: %.300s", status, sup.bodyText())
	}
	if cell := eval[string](sup, `document.querySelector("td.now").innerText`); strings.Contains(cell, "Belum ada petugas piket") || !strings.Contains(cell, "konselor.") {
		t.Fatalf("the running night shift was not filled: %q", cell)
	}
	if ended := eval[string](sup, `document.querySelector("tbody tr").innerText`); strings.Count(ended, "Belum ada petugas piket") != 2 {
		t.Fatalf("Sunday's ended shifts should stay empty: %q", ended)
	}
	if status := sup.submit("opening the current shift", `td.now a`); status != 200 {
		t.Fatalf("the shift form: HTTP %d: %.300s", status, sup.bodyText())
	}
	// The rotation put someone on already: tick exactly these two.
	eval[bool](sup, `for (const i of document.querySelectorAll("input[name=piket], input[name=supervisor]")) {
		i.checked = i.name == "piket" && i.value == "`+userID(t, b.m, "konselor.satu")+`" || i.name == "supervisor" && i.value == "`+userID(t, b.m, "kepala.uptd")+`";
		true
	}`)
	if status := sup.submit("saving the shift", `form[action="/staf/piket/ubah"] button[type=submit]`); status != 200 {
		t.Fatalf("saving the shift: HTTP %d: %.300s", status, sup.bodyText())
	}
	cell := eval[string](sup, `document.querySelector("td.now").innerText`)
	if !strings.Contains(cell, "konselor.satu") || !strings.Contains(cell, "kepala.uptd") || strings.Contains(cell, "konselor.dua") {
		t.Fatalf("the current shift shows %q", cell)
	}

	// Someone in danger reports: the officer on duty sees it in the app.
	await(t, async(t, fileReport(b.m)))
	text := officer.waitFor("/staf/peringatan", "ada yang dalam bahaya")
	if !strings.Contains(text, "Mendesak") {
		t.Fatalf("the alert is not marked urgent: %.400s", text)
	}
	if bar := eval[string](officer, `document.querySelector(".bar").innerText`); !strings.Contains(bar, "Peringatan (1)") {
		t.Fatalf("the bar does not count the open alert: %q", bar)
	}
	if strings.Contains(text, "dipukul") {
		t.Fatal("the alert shows the report's story")
	}
	if got := sup.waitFor("/staf/peringatan", "Tidak ada peringatan"); got == "" {
		t.Fatal("unreachable")
	}

	// Nobody acknowledges: after 15 minutes the supervisor on call has it.
	clock.Add(15*time.Minute + time.Second)
	text = sup.waitFor("/staf/peringatan", "ada yang dalam bahaya")
	if !strings.Contains(text, "Diteruskan ke supervisor siaga") {
		t.Fatalf("the escalation is not explained: %.400s", text)
	}
	if status := sup.submit("acknowledging", `form[action$="/terima"] button[type=submit]`); status != 200 {
		t.Fatalf("acknowledging: HTTP %d", status)
	}
	officer.waitFor("/staf/peringatan", "Ditangani oleh kepala.uptd")
	if bar := eval[string](officer, `document.querySelector(".bar").innerText`); strings.Contains(bar, "Peringatan (") {
		t.Fatalf("the bar still counts an acknowledged alert: %q", bar)
	}
	if axe := optionalAxe(t); axe != "" {
		sup.open("/staf/piket")
		sup.checkAxe("roster", axe)
		sup.open("/staf/peringatan")
		sup.checkAxe("alerts", axe)
	}
}

// userID returns a user's id as the forms carry it.
func userID(t *testing.T, m *Main, name string) string {
	t.Helper()
	u, err := m.Users.FindUserByUsername(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}
