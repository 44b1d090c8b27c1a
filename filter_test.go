package spiker_test

import (
	"testing"

	"github.com/spikerperak/spiker"
)

// A referral filter selects exactly one list; a user filter names a known
// role or none.
func TestFilters(t *testing.T) {
	for _, f := range []spiker.ReferralFilter{{CaseID: "k1"}, {Agency: true}, {Overdue: true}} {
		if err := f.Validate(); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	for _, f := range []spiker.ReferralFilter{{}, {CaseID: "k1", Agency: true}, {Agency: true, Overdue: true}} {
		if err := f.Validate(); spiker.ErrorCode(err) != spiker.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", f, err)
		}
	}
	if err := (spiker.UserFilter{Role: spiker.RoleMitra}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (spiker.UserFilter{Role: "raja"}).Validate(); spiker.ErrorCode(err) != spiker.EINVALID {
		t.Errorf("an unknown role: %v", err)
	}
}
