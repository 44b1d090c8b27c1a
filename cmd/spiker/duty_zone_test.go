package main

import "testing"

// The store keeps time in the regency's own zone: shifts, working days,
// due dates and statistics months are local (Denpasar is WITA).
func TestStoreZoneIsTheRegencys(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "", func(c *Config) { c.Region = "51.71"; c.NoJobs = true })
	if name, off := m.DB.Now().In(m.Store.Zone).Zone(); name != "WITA" || off != 8*3600 {
		t.Fatalf("the store's zone is %s %d, want WITA", name, off)
	}
}
