package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	"github.com/spikerperak/spiker/internal/vault"
)

// A report costs PostgreSQL four round trips: the resubmission check, and
// a transaction whose writes travel with its two reads and its commit.
// Eleven statements one by one took fourteen.
func TestIntakeRoundTrips(t *testing.T) {
	rt := &sqldbtest.RoundTrips{}
	db := sqldbtest.CountingPostgres(t, rt)
	ctx := context.Background()
	secrets, _, err := vault.LoadOrCreateSecrets(filepath.Join(t.TempDir(), "secret.json"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(db, secrets)
	s.PasswordArgon = storetest.Cheap
	s.ReceiptArgon = s.PasswordArgon
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InitEscrow(ctx, []string{"Kepala Dinas", "Kepala UPTD", "Petugas Pelindungan Data"}); err != nil {
		t.Fatal(err)
	}
	report := func(i int) {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Fisik"}, IncidentDate: "2026-11-25", VictimSex: "Perempuan", VictimAge: 31,
			Relationship: "Suami/Istri", Consent: true, Content: spiker.ReportContent{Narrative: "Saya dipukul oleh suami saya."}}
		if _, err := (store.ReportService{Store: s}).CreateReport(ctx, r, fmt.Sprintf("api:pipelined-token-%06d", i)); err != nil {
			t.Fatal(err)
		}
	}
	report(0) // prepares the statements and settles the keys
	report(1)
	before := rt.Count()
	report(2)
	if n := rt.Count() - before; n > 4 {
		t.Errorf("a report took %d round trips to PostgreSQL, want at most 4", n)
	}
}
