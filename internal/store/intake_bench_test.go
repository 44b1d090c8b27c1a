package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// BenchmarkCreateReport measures what a report costs the server beyond its
// receipt's Argon2id derivation (made cheap here; BenchmarkReceiptStretch in
// internal/vault measures it): sealing the fields and the key grants, and
// the transaction with its round trips to the database. The installation
// has its escrow, as a real one does.
func BenchmarkCreateReport(b *testing.B) {
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteURL}, {"postgres", storetest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) {
			s := storetest.New(b, db.url(b))
			ctx := context.Background()
			if _, err := s.InitEscrow(ctx, []string{"Kepala Dinas", "Kepala UPTD", "Petugas Pelindungan Data"}); err != nil {
				b.Fatal(err)
			}
			reports := store.ReportService{Store: s}
			n := 0
			for b.Loop() {
				n++
				if _, err := reports.CreateReport(ctx, sampleReport(), fmt.Sprintf("api:bench-token-%08d", n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
