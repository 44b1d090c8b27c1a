package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// EscrowHolders is how many officials hold a share; EscrowThreshold how many
// together can recover.
const (
	EscrowHolders   = 3
	EscrowThreshold = 2
)

// InitEscrow creates the escrow key pair, stores its public half, seals the
// group keys that are still bootstrapping to it, and returns the private
// half split into printable 2-of-3 shares. The private key is then
// forgotten: only the shares can recover it.
func (s *Store) InitEscrow(ctx context.Context, holders []string) ([]string, error) {
	if len(holders) != EscrowHolders {
		return nil, spiker.Errorf(spiker.EINVALID, "name exactly %d share holders", EscrowHolders)
	}
	for _, h := range holders {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, "\n;") {
			return nil, spiker.Errorf(spiker.EINVALID, "share holder names must be non-empty text on one line")
		}
	}
	kp := vault.NewKeyPair()
	shares, err := vault.SplitSecret(kp.Private[:], EscrowHolders, EscrowThreshold)
	if err != nil {
		return nil, err
	}
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, ok, err := escrowPublicKey(ctx, tx); err != nil {
			return err
		} else if ok {
			return spiker.Errorf(spiker.ECONFLICT, "the escrow is already set up; its shares were printed then")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO escrow (id, public_key, holders, created_at) VALUES (1, $1, $2, $3)`,
			kp.Public[:], strings.Join(holders, "; "), tx.Now()); err != nil {
			return err
		}
		type pending struct {
			name    string
			wrapped []byte
		}
		rows, err := tx.Query(ctx, `SELECT name, bootstrap_wrapped FROM holder_groups WHERE bootstrap_wrapped IS NOT NULL`)
		groups, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (p pending, err error) { return p, rows.Scan(&p.name, &p.wrapped) })
		if err != nil {
			return err
		}
		for _, g := range groups {
			priv, err := s.Secrets.Open(vault.PurposeBootstrap, g.wrapped, []byte("spiker/group-bootstrap:"+g.name))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE holder_groups SET escrow_sealed = $1 WHERE name = $2`,
				[]byte(vault.SealTo(kp.Public, [32]byte(priv))), g.name); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, spiker.System, "escrow.init", "escrow", "escrow", "holders: "+strings.Join(holders, "; "))
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(shares))
	for i, sh := range shares {
		out[i] = vault.EncodeShare(sh, kp.Public)
	}
	clear(kp.Private[:])
	return out, nil
}

// EscrowTarget says what a recovery re-grants: a report, a case or a holder
// group, to a user.
type EscrowTarget struct {
	Kind     string // "report", "case" or "group"
	ID       string // record id or group name
	Username string
	Reason   string
}

// RecoverWithEscrow reconstructs the escrow key from shares, checks it
// against the stored public key (so one share, or shares of another
// installation, fail clearly), and seals the target's key to the user.
func (s *Store) RecoverWithEscrow(ctx context.Context, shareTexts []string, t EscrowTarget) error {
	if strings.TrimSpace(t.Reason) == "" {
		return spiker.Errorf(spiker.EINVALID, "a recovery needs a reason; it is kept in the audit log")
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		pub, ok, err := escrowPublicKey(ctx, tx)
		if err != nil {
			return err
		} else if !ok {
			return spiker.Errorf(spiker.EINVALID, "the escrow is not set up on this installation")
		}
		var shares []vault.Share
		for i, text := range shareTexts {
			sh, err := vault.DecodeShare(text, pub)
			if err != nil {
				return spiker.Errorf(spiker.EINVALID, "share %d: %v", i+1, err)
			}
			shares = append(shares, sh)
		}
		if len(shares) < EscrowThreshold {
			return spiker.Errorf(spiker.EINVALID, "%d different shares are needed; %d given", EscrowThreshold, len(shares))
		}
		secret, err := vault.CombineShares(shares)
		if err == nil && len(secret) != len(vault.PrivateKey{}) {
			err = errors.New("wrong length")
		}
		if err != nil {
			return spiker.Errorf(spiker.EINVALID, "the shares do not fit together: give %d different shares", EscrowThreshold)
		}
		escrow := vault.KeyPair{Private: vault.PrivateKey(secret)}
		escrow.Public = vault.PublicOf(escrow.Private)
		clear(secret)
		if escrow.Public != pub {
			return spiker.Errorf(spiker.EINVALID, "the shares do not reconstruct the escrow key")
		}
		var userID int64
		var userPub []byte
		err = tx.Get(ctx, `SELECT id, public_key FROM users WHERE username = $1 AND NOT disabled`, []any{t.Username}, &userID, &userPub)
		if errors.Is(err, sql.ErrNoRows) || err == nil && len(userPub) != 32 {
			return spiker.Errorf(spiker.ENOTFOUND, "no active user %q with a key", t.Username)
		} else if err != nil {
			return err
		}
		actor := &spiker.Actor{Username: "escrow"}
		switch t.Kind {
		case kindReport, kindCase:
			var sealed []byte
			err := tx.Get(ctx, `SELECT sealed_key FROM key_grants WHERE record_kind = $1 AND record_id = $2 AND holder_kind = 'escrow'`,
				[]any{t.Kind, t.ID}, &sealed)
			if errors.Is(err, sql.ErrNoRows) {
				return spiker.Errorf(spiker.ENOTFOUND, "the escrow holds no key to %s %s (it may predate the escrow)", t.Kind, t.ID)
			} else if err != nil {
				return err
			}
			k, err := vault.OpenSealed(escrow, sealed)
			if err != nil {
				return fmt.Errorf("the escrow grant of %s %s does not open: %w", t.Kind, t.ID, err)
			}
			if err := grant(ctx, tx, t.Kind, t.ID, holderUser, fmt.Sprint(userID), vault.PublicKey(userPub), k, "escrow"); err != nil {
				return err
			}
		case "group":
			var sealed []byte
			err := tx.Get(ctx, `SELECT escrow_sealed FROM holder_groups WHERE name = $1`, []any{t.ID}, &sealed)
			if errors.Is(err, sql.ErrNoRows) || err == nil && sealed == nil {
				return spiker.Errorf(spiker.ENOTFOUND, "the escrow holds no key to group %q", t.ID)
			} else if err != nil {
				return err
			}
			gk, err := vault.OpenSealed(escrow, sealed)
			if err != nil {
				return fmt.Errorf("the escrow copy of group %s does not open: %w", t.ID, err)
			}
			if err := admit(ctx, tx, t.ID, vault.PrivateKey(gk), userID, vault.PublicKey(userPub), "escrow"); err != nil {
				return err
			}
		default:
			return spiker.Errorf(spiker.EINVALID, "recover a report, a case or a group")
		}
		// The reason may name someone: sealed to the supervisors, never in
		// the audit log (sealed_text.go).
		id := newID()
		sealed, err := sealReason(ctx, tx, "escrow_recoveries", kindEscrowRecovery, id, strings.TrimSpace(t.Reason), "escrow")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO escrow_recoveries (id, target_kind, target_id, user_id, reason_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, t.Kind, t.ID, userID, sealed, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "escrow.recover", t.Kind, t.ID, fmt.Sprintf("to %s, recovery %s", t.Username, id))
	})
}

// EscrowReady reports whether `spiker escrow init` has run.
func (s *Store) EscrowReady(ctx context.Context) (bool, error) {
	var ok bool
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		var err error
		_, ok, err = escrowPublicKey(ctx, tx)
		return err
	})
	return ok, err
}

// EscrowRecoveries lists the recoveries through the escrow of the last 90
// days, newest first, for the supervisors to see: a recovery is rare and
// every supervisor should know of it. The reasons open with the actor's
// key (a supervisor's, through the group).
func (s CaseService) EscrowRecoveries(ctx context.Context, actor *spiker.Actor) ([]spiker.EscrowRecovery, error) {
	if err := spiker.Authorize(actor, spiker.PermCaseAssign, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.EscrowRecovery
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT e.id, e.target_kind, e.target_id, u.username, e.reason_sealed, e.created_at
			FROM escrow_recoveries e JOIN users u ON u.id = e.user_id
			WHERE e.created_at > $1 ORDER BY e.created_at DESC LIMIT 50`, tx.Now().Add(-EscrowRecoveriesShown))
		var sealed [][]byte
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (e spiker.EscrowRecovery, err error) {
			var reason []byte
			err = rows.Scan(&e.ID, &e.Kind, &e.TargetID, &e.Username, &reason, &e.CreatedAt)
			sealed = append(sealed, reason)
			return e, err
		})
		for i := range out {
			if err == nil {
				out[i].Reason, err = openReason(ctx, tx, actor, "escrow_recoveries", kindEscrowRecovery, out[i].ID, sealed[i])
			}
		}
		return err
	})
	return out, err
}

// EscrowRecoveriesShown is how far back the supervisors' list of escrow
// recoveries reaches.
const EscrowRecoveriesShown = 90 * 24 * time.Hour
