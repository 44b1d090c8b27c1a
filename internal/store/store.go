package store

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// Store is the database together with the server's secrets: what the
// services need to encrypt, seal, look up receipts and chain the audit log.
// The secrets never open a record's data key; that takes a holder's key.
type Store struct {
	DB      *sqldb.DB
	Secrets *vault.ServerSecrets

	// PasswordArgon and ReceiptArgon are the Argon2id costs; tests lower
	// them, production keeps the defaults.
	PasswordArgon vault.Argon2Params
	ReceiptArgon  vault.Argon2Params

	// Limits are the rate limits by action; LimitsOff disables them (load
	// tests and benchmarks only).
	Limits    map[string]Limit
	LimitsOff bool
	// SignInThrottle is sign-in's throttle besides Limits; its zero value
	// means DefaultSignInThrottle.
	SignInThrottle SignInThrottle

	// Zone is the deployment's time zone: duty shifts, working days and
	// due dates are local. Nil means WIB.
	Zone *time.Location

	// Regions, when set, is the region directory new accounts' regions
	// are checked against.
	Regions spiker.RegionDirectory

	// Regency is the deployment's regency code: the monthly report is
	// generated for it. Empty: no automatic monthly report.
	Regency string

	// threads maps WhatsApp numbers to their open reports, in memory only.
	threads *whatsappThreads
}

func (s *Store) zone() *time.Location {
	if s.Zone == nil {
		return spiker.TimeZone("")
	}
	return s.Zone
}

// New returns a Store with the default Argon2id costs and rate limits.
func New(db *sqldb.DB, secrets *vault.ServerSecrets) *Store {
	return &Store{DB: db, Secrets: secrets, PasswordArgon: vault.DefaultArgon2, ReceiptArgon: vault.ReceiptArgon2, Limits: DefaultLimits(), threads: newWhatsAppThreads()}
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random 128-bit identifier for a report or case, so that
// ids can be bound into ciphertexts before the row exists and cannot be
// guessed or counted.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(idEncoding.EncodeToString(b))
}
