// Package spiker holds the domain of Spiker Perak, the online complaint and
// case-management system for violence against women and children run by a
// regency's women-and-child-protection office (Dinas PPPA / UPTD PPA).
//
// The root package defines domain types, validation, error codes and the
// service interfaces. It imports nothing from this module; adapters under
// internal/ import it and talk to each other only in these types.
package spiker

// Version is the program version, set at build time with
// -ldflags "-X github.com/spikerperak/spiker.Version=v1.2.3".
var Version = "dev"

// DefaultRegion is the Kemendagri code of the regency that launched the
// service: Kabupaten Lamongan, East Java.
const DefaultRegion = "35.24"

// Services are the application's services, one per aggregate. The store
// builds them (store.Store.Services); the web and API servers take them.
type Services struct {
	Reports    Reports
	Cases      Cases
	Network    Network
	Duty       Duty
	Users      Users
	Statistics Statistics
	Audit      Audit
	Retention  Retention
}
