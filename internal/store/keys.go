package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// Holder groups. A report is sealed to both; a case to the supervisors.
const (
	GroupIntake      = "intake"      // konselor_piket: the duty-intake officers
	GroupSupervisors = "supervisors" // supervisor: the region's supervisors
)

// groupsOfRole says which group a role's users join.
var groupsOfRole = map[spiker.Role]string{
	spiker.RoleKonselorPiket: GroupIntake,
	spiker.RoleSupervisor:    GroupSupervisors,
}

// groupsOf returns the holder groups a user's roles make them part of: the
// duty-intake officers, the supervisors, and a partner user's agency.
func groupsOf(u *spiker.User) []string {
	var gs []string
	for _, r := range u.Roles {
		if g, ok := groupsOfRole[r]; ok {
			gs = append(gs, g)
		}
	}
	if u.HasRole(spiker.RoleMitra) && u.AgencyID != "" {
		gs = append(gs, agencyGroup(u.AgencyID))
	}
	return gs
}

// agencyGroup names the holder group of a partner agency's key pair.
func agencyGroup(agencyID string) string { return "agency:" + agencyID }

// Record kinds and holder kinds in key_grants.
const (
	kindReport   = "report"
	kindCase     = "case"
	kindReferral = "referral"
	kindVisit    = "visit"
	kindInbound  = "inbound"
	kindMedia    = "inbound_file"
	kindPDP      = "pdp"
	kindGrant    = "register_grant"
	holderUser   = "user"
	holderGroup  = "group"
	holderEscrow = "escrow"
)

// Setup creates what a fresh installation needs and is a no-op afterwards:
// the receipt salt, the holder groups, whose private keys are held under
// the secret file's bootstrap key until their first member exists, and the
// blind indexes' key, sealed to those groups. Reasons written in the clear
// before migration 0037 are sealed here.
func (s *Store) Setup(ctx context.Context) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		salt := make([]byte, 16)
		rand.Read(salt)
		if _, err := tx.Exec(ctx, `INSERT INTO installation (id, receipt_salt, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`,
			salt, tx.Now()); err != nil {
			return err
		}
		for _, g := range []string{GroupIntake, GroupSupervisors} {
			var n int
			if err := tx.Get(ctx, `SELECT COUNT(*) FROM holder_groups WHERE name = $1`, []any{g}, &n); err != nil {
				return err
			} else if n > 0 {
				continue
			}
			kp := vault.NewKeyPair()
			wrapped := s.Secrets.Seal(vault.PurposeBootstrap, kp.Private[:], []byte("spiker/group-bootstrap:"+g))
			if _, err := tx.Exec(ctx, `INSERT INTO holder_groups (name, public_key, bootstrap_wrapped, created_at) VALUES ($1, $2, $3, $4)`,
				g, kp.Public[:], wrapped, tx.Now()); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, spiker.System, "group.create", "group", g, ""); err != nil {
				return err
			}
		}
		if n, err := sealPlainReasons(ctx, tx); err != nil {
			return err
		} else if n > 0 {
			if err := s.audit(ctx, tx, spiker.System, "reasons.seal", "installation", "1", fmt.Sprintf("%d reasons sealed", n)); err != nil {
				return err
			}
		}
		return ensureIndexKey(ctx, tx)
	})
}

// receiptSalt returns the installation's receipt salt.
func (s *Store) receiptSalt(ctx context.Context) ([]byte, error) {
	var salt []byte
	err := s.DB.View(ctx, func(tx *sqldb.Tx) (err error) {
		salt, err = tx.Settled("receipt_salt", func() ([]byte, error) {
			var b []byte
			return b, tx.Get(ctx, `SELECT receipt_salt FROM installation WHERE id = 1`, nil, &b)
		})
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("the installation is not set up (no receipt salt)")
	}
	return salt, err
}

// groupPublicKey returns a holder group's public key (never changed once a
// group exists).
func groupPublicKey(ctx context.Context, tx *sqldb.Tx, group string) (vault.PublicKey, error) {
	b, err := tx.Settled("group:"+group, func() ([]byte, error) {
		var b []byte
		return b, tx.Get(ctx, `SELECT public_key FROM holder_groups WHERE name = $1`, []any{group}, &b)
	})
	if err != nil {
		return vault.PublicKey{}, fmt.Errorf("holder group %s: %w", group, err)
	}
	return publicKey(b)
}

// publicKey converts a stored public key, refusing a damaged one.
func publicKey(b []byte) (vault.PublicKey, error) {
	if len(b) != len(vault.PublicKey{}) {
		return vault.PublicKey{}, fmt.Errorf("a stored public key has %d bytes instead of 32", len(b))
	}
	return vault.PublicKey(b), nil
}

// escrowPublicKey returns the escrow's public key, or ok=false before
// `spiker escrow init`.
func escrowPublicKey(ctx context.Context, tx *sqldb.Tx) (vault.PublicKey, bool, error) {
	// The escrow is set up once; until then each call looks again.
	b, err := tx.Settled("escrow", func() ([]byte, error) {
		var b []byte
		return b, tx.Get(ctx, `SELECT public_key FROM escrow WHERE id = 1`, nil, &b)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return vault.PublicKey{}, false, nil
	} else if err != nil {
		return vault.PublicKey{}, false, err
	}
	pub, err := publicKey(b)
	return pub, err == nil, err
}

// grant seals a record's data key to a holder (replacing an older grant).
func grant(ctx context.Context, tx *sqldb.Tx, kind, id, holderKind, holderID string, pub vault.PublicKey, k vault.DataKey, by string) error {
	return grantAll(ctx, tx, kind, id, k, by, []holder{{holderKind, holderID, pub}})
}

// holder is one holder of a record's key.
type holder struct {
	kind, id string
	pub      vault.PublicKey
}

// grantAll seals a record's data key to several holders in one statement
// (each replacing an older grant; a lasting grant ends a break-glass
// expiry).
func grantAll(ctx context.Context, tx *sqldb.Tx, kind, id string, k vault.DataKey, by string, holders []holder) error {
	args := make([]any, 0, 7*len(holders))
	for _, h := range holders {
		args = append(args, kind, id, h.kind, h.id, []byte(vault.SealTo(h.pub, k)), by, tx.Now())
	}
	return tx.Queue(ctx, `INSERT INTO key_grants (record_kind, record_id, holder_kind, holder_id, sealed_key, granted_by, granted_at)
		VALUES `+sqldb.ValueRows(len(holders), 7)+`
		ON CONFLICT (record_kind, record_id, holder_kind, holder_id)
		DO UPDATE SET sealed_key = excluded.sealed_key, granted_by = excluded.granted_by, granted_at = excluded.granted_at, expires_at = NULL`,
		args...)
}

// grantStandard seals a new record's key to its standing holders: the given
// groups and, once set up, the escrow.
func grantStandard(ctx context.Context, tx *sqldb.Tx, kind, id string, k vault.DataKey, by string, groups ...string) error {
	holders, err := standardHolders(ctx, tx, groups...)
	if err != nil || len(holders) == 0 {
		return err
	}
	return grantAll(ctx, tx, kind, id, k, by, holders)
}

// standardHolders returns the given groups and, once set up, the escrow.
func standardHolders(ctx context.Context, tx *sqldb.Tx, groups ...string) ([]holder, error) {
	var holders []holder
	for _, g := range groups {
		pub, err := groupPublicKey(ctx, tx, g)
		if err != nil {
			return nil, err
		}
		holders = append(holders, holder{holderGroup, g, pub})
	}
	pub, ok, err := escrowPublicKey(ctx, tx)
	if err != nil {
		return nil, err
	}
	if ok {
		holders = append(holders, holder{holderEscrow, "escrow", pub})
	}
	return holders, nil
}

// actorKeys is the actor's key pair: the public half kept by the session,
// or derived when it did not keep one.
func actorKeys(actor *spiker.Actor) vault.KeyPair {
	kp := vault.KeyPair{Private: vault.PrivateKey(*actor.Key)}
	if actor.KeyPublic != nil {
		kp.Public = vault.PublicKey(*actor.KeyPublic)
	} else {
		kp.Public = vault.PublicOf(kp.Private)
	}
	return kp
}

// errNotHolder is returned inside transactions when the actor holds no key.
var errNotHolder = errors.New("not a holder")

// openRecordKey returns a record's data key using the actor's private key:
// through a grant to the actor, or to a group whose key is sealed to the
// actor. Without one it returns errNotHolder: no role can bypass this.
func openRecordKey(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, kind, id string) (vault.DataKey, error) {
	if actor.Key == nil || actor.UserID == 0 {
		return vault.DataKey{}, errNotHolder
	}
	me := actorKeys(actor)
	rows, err := tx.Query(ctx, `SELECT g.holder_kind, g.holder_id, g.sealed_key, m.sealed_private
		FROM key_grants g LEFT JOIN group_members m ON g.holder_kind = 'group' AND m.group_name = g.holder_id AND m.user_id = $3
		WHERE g.record_kind = $1 AND g.record_id = $2 AND (g.expires_at IS NULL OR g.expires_at > $5)
		  AND ((g.holder_kind = 'user' AND g.holder_id = $4) OR (g.holder_kind = 'group' AND m.user_id IS NOT NULL))`,
		kind, id, actor.UserID, fmt.Sprint(actor.UserID), tx.Now())
	type grant struct {
		holderKind, holderID     string
		sealedKey, sealedPrivate []byte
	}
	grants, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (g grant, err error) {
		return g, rows.Scan(&g.holderKind, &g.holderID, &g.sealedKey, &g.sealedPrivate)
	})
	if err != nil {
		return vault.DataKey{}, err
	}
	for _, g := range grants {
		holder := me
		if g.holderKind == holderGroup {
			gp, err := vault.OpenSealed(me, g.sealedPrivate)
			if err != nil {
				continue
			}
			// The group's public key is settled (read once a process),
			// cheaper than deriving it from gp on every read.
			pub, err := groupPublicKey(ctx, tx, g.holderID)
			if err != nil {
				return vault.DataKey{}, err
			}
			holder = vault.KeyPair{Private: vault.PrivateKey(gp), Public: pub}
		}
		if k, err := vault.OpenSealed(holder, g.sealedKey); err == nil {
			return vault.DataKey(k), nil
		}
	}
	return vault.DataKey{}, errNotHolder
}

// admit seals a group's private key to a user.
func admit(ctx context.Context, tx *sqldb.Tx, group string, groupKey vault.PrivateKey, userID int64, userPub vault.PublicKey, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO group_members (group_name, user_id, sealed_private, admitted_by, admitted_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_name, user_id) DO NOTHING`,
		group, userID, []byte(vault.SealTo(userPub, [32]byte(groupKey))), by, tx.Now())
	return err
}

// bootstrapGroups admits a new user to the groups of their roles whose
// private key is still held under the bootstrap key (the group has no member
// yet), then erases that copy: the first user of each case-reading role can
// read what arrives for it without any ceremony.
func (s *Store) bootstrapGroups(ctx context.Context, tx *sqldb.Tx, u *spiker.User) error {
	for _, g := range groupsOf(u) {
		var wrapped []byte
		if err := tx.Get(ctx, `SELECT bootstrap_wrapped FROM holder_groups WHERE name = $1`, []any{g}, &wrapped); err != nil {
			return err
		}
		if wrapped == nil {
			continue // admitted later by a member or through escrow
		}
		priv, err := s.Secrets.Open(vault.PurposeBootstrap, wrapped, []byte("spiker/group-bootstrap:"+g))
		if err == nil && len(priv) != len(vault.PrivateKey{}) {
			err = vault.ErrOpen
		}
		if err != nil {
			return fmt.Errorf("the bootstrap key of group %s does not open: %w", g, err)
		}
		if err := admit(ctx, tx, g, vault.PrivateKey(priv), u.ID, vault.PublicKey(u.PublicKey), "bootstrap"); err != nil {
			return err
		}
		// Keep the group key for the escrow, if it is set up, before the
		// bootstrap copy goes.
		if pub, ok, err := escrowPublicKey(ctx, tx); err != nil {
			return err
		} else if ok {
			if _, err := tx.Exec(ctx, `UPDATE holder_groups SET escrow_sealed = $1 WHERE name = $2 AND escrow_sealed IS NULL`,
				[]byte(vault.SealTo(pub, [32]byte(priv))), g); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE holder_groups SET bootstrap_wrapped = NULL WHERE name = $1`, g); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, spiker.System, "group.admit", "group", g, "bootstrap: first member "+u.Username); err != nil {
			return err
		}
	}
	return nil
}

// GroupMemberships returns the groups a user has been admitted to. A user
// whose role has a group but who is not yet in it is waiting for access.
func (s *Store) GroupMemberships(ctx context.Context, userID int64) ([]string, error) {
	var out []string
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = sqldb.QueryStrings(ctx, tx, `SELECT group_name FROM group_members WHERE user_id = $1 ORDER BY group_name`, userID)
		return err
	})
	return out, err
}

// WaitingForAccess reports whether a user holds a role whose group has not
// admitted them yet: the back office shows "waiting for access", not an error.
func (s *Store) WaitingForAccess(ctx context.Context, u *spiker.User) (bool, error) {
	in, err := s.GroupMemberships(ctx, u.ID)
	if err != nil {
		return false, err
	}
	member := map[string]bool{}
	for _, g := range in {
		member[g] = true
	}
	for _, g := range groupsOf(u) {
		if !member[g] {
			return true, nil
		}
	}
	return false, nil
}

// AdmitToGroup lets a member of a group admit another user to it, sealing
// the group key to them.
func (s *Store) AdmitToGroup(ctx context.Context, actor *spiker.Actor, group string, userID int64) error {
	if actor.Key == nil {
		return spiker.Errorf(spiker.EUNAUTHORIZED, "sign in first")
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var sealed []byte
		err := tx.Get(ctx, `SELECT sealed_private FROM group_members WHERE group_name = $1 AND user_id = $2`, []any{group, actor.UserID}, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return spiker.Errorf(spiker.EFORBIDDEN, "only a member of the %s group can admit others to it", group)
		} else if err != nil {
			return err
		}
		me := actorKeys(actor)
		gp, err := vault.OpenSealed(me, sealed)
		if err != nil {
			return spiker.Errorf(spiker.EFORBIDDEN, "your key does not open the %s group key", group)
		}
		pub, err := userPublicKey(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := admit(ctx, tx, group, vault.PrivateKey(gp), userID, pub, actor.Username); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "group.admit", "group", group, fmt.Sprintf("user %d", userID))
	})
}

func userPublicKey(ctx context.Context, tx *sqldb.Tx, userID int64) (vault.PublicKey, error) {
	var b []byte
	err := tx.Get(ctx, `SELECT public_key FROM users WHERE id = $1 AND NOT disabled`, []any{userID}, &b)
	if errors.Is(err, sql.ErrNoRows) || err == nil && len(b) != 32 {
		return vault.PublicKey{}, spiker.Errorf(spiker.ENOTFOUND, "user %d does not exist, is disabled or has no key", userID)
	} else if err != nil {
		return vault.PublicKey{}, err
	}
	return vault.PublicKey(b), nil
}

// nullString stores "" as NULL (for optional references).
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
