package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// FindUsers lists the accounts inside the admin's region that match f, in
// one transaction: the accounts, then their roles.
func (s UserService) FindUsers(ctx context.Context, actor *spiker.Actor, f spiker.UserFilter) ([]*spiker.User, error) {
	if err := spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{}); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, withField(err, "role")
	}
	var out []*spiker.User
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, username, region_code, password_hash, disabled, created_at, public_key, agency_id, full_name, jabatan, nip
			FROM users u
			WHERE (region_code = $1 OR region_code LIKE $2)
			  AND ($3 = '' OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $3))
			ORDER BY username`, actor.RegionCode, actor.RegionCode+".%", string(f.Role))
		byID := map[int64]*spiker.User{}
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (*spiker.User, error) {
			u := &spiker.User{}
			var agency sql.NullString
			err := rows.Scan(&u.ID, &u.Username, &u.RegionCode, &u.PasswordHash, &u.Disabled, &u.CreatedAt, &u.PublicKey, &agency,
				&u.Profile.FullName, &u.Profile.Position, &u.Profile.NIP)
			u.AgencyID, u.CreatedAt = agency.String, u.CreatedAt.UTC()
			byID[u.ID] = u
			return u, err
		})
		if err != nil || len(out) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT r.user_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id
			WHERE u.region_code = $1 OR u.region_code LIKE $2 ORDER BY r.user_id, r.role`, actor.RegionCode, actor.RegionCode+".%")
		_, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (struct{}, error) {
			var id int64
			var role string
			err := rows.Scan(&id, &role)
			if u := byID[id]; u != nil {
				u.Roles = append(u.Roles, spiker.Role(role))
			}
			return struct{}{}, err
		})
		return err
	})
	return out, err
}

// AddUser creates an account with no password, key pair or TOTP secret,
// and returns the one-time enrolment link token through which its owner
// chooses them (CompleteEnrolment). The admin never learns anything that
// opens the account; group admission waits for the key pair. It is the one
// way staff accounts are made, from the back office's form and from
// `spiker user add` alike: every check of what was sent is here or in
// User.Validate. An empty region is the admin's own.
func (s UserService) AddUser(ctx context.Context, actor *spiker.Actor, u *spiker.User) (string, error) {
	// The policy first: a refusal never depends on what was sent.
	if err := spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{}); err != nil {
		return "", err
	}
	if u.RegionCode == "" {
		u.RegionCode = actor.RegionCode
	}
	if err := spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: u.RegionCode}); err != nil {
		// The same refusal, naming the region, for whoever typed it.
		return "", &spiker.Error{Code: spiker.ErrorCode(err), Message: fmt.Sprintf("region %q is not inside %s, the area you administer", u.RegionCode, actor.RegionCode)}
	}
	if err := u.Validate(); err != nil {
		return "", withField(err, "username")
	}
	if s.Regions != nil {
		if _, err := s.Regions.Region(u.RegionCode); err != nil {
			return "", &spiker.Error{Code: spiker.EINVALID, Message: fmt.Sprintf("region %q is not in the region directory; use a kecamatan or desa code of %s", u.RegionCode, actor.RegionCode),
				Fields: map[string]string{"roles": "admin.err.roles"}}
		}
	}
	u.PasswordHash, u.PublicKey, u.PrivateWrapped, u.TOTPSealed = "", nil, nil, nil
	var token string
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		err := insertUser(ctx, tx, u)
		if err != nil {
			return err
		}
		if token, err = newEnrolmentTx(ctx, tx, u.ID, spiker.EnrolNew); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.create", "user", fmt.Sprint(u.ID), "enrolment link issued")
	})
	if err != nil {
		return "", withField(err, "username")
	}
	return token, nil
}

// ResetPassword is for a user who forgot their password: the old password
// stops working, their key pair goes (what was sealed to it cannot be opened
// by anyone any more, so their grants and group memberships are removed and
// must be given again), every session of theirs ends, and a new enrolment
// link lets them choose a new password and make a new key pair.
func (s UserService) ResetPassword(ctx context.Context, actor *spiker.Actor, userID int64) (string, error) {
	var token string
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var err error
		if actor == spiker.System {
			_, err = s.userRegion(ctx, tx, userID) // it exists
		} else {
			denied, err = s.authorizeUser(ctx, tx, actor, spiker.PermUserManage, userID)
		}
		if denied != nil || err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = '', public_key = NULL, private_wrapped = NULL, totp_sealed = NULL,
			totp_lost_by = NULL, totp_lost_at = NULL WHERE id = $1`, userID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM staff_sessions WHERE user_id = $1`,
			`DELETE FROM group_members WHERE user_id = $1`,
			`DELETE FROM passkeys WHERE user_id = $1`,
			`DELETE FROM passkey_challenges WHERE user_id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM key_grants WHERE holder_kind = 'user' AND holder_id = $1`, fmt.Sprint(userID)); err != nil {
			return err
		}
		if token, err = newEnrolmentTx(ctx, tx, userID, spiker.EnrolNew); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.password_reset", "user", fmt.Sprint(userID), "sessions ended; passkeys removed; new enrolment link; new key pair; access must be granted again")
	})
	if err == nil {
		err = denied
	}
	return token, err
}

// RequestAuthenticatorReset records that a user lost their authenticator,
// asked by an admin (user.manage in the user's region) or by the user
// themself. A supervisor who did not ask approves it.
func (s UserService) RequestAuthenticatorReset(ctx context.Context, actor *spiker.Actor, userID int64) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if actor.UserID != userID || actor.Key == nil {
			var err error
			if denied, err = s.authorizeUser(ctx, tx, actor, spiker.PermUserManage, userID); denied != nil || err != nil {
				return err
			}
		}
		return s.requestAuthenticatorTx(ctx, tx, actor, userID)
	})
	if err == nil {
		err = denied
	}
	return err
}

func (s UserService) requestAuthenticatorTx(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, userID int64) error {
	res, err := tx.Exec(ctx, `UPDATE users SET totp_lost_by = $1, totp_lost_at = $2 WHERE id = $3 AND password_hash <> '' AND NOT disabled`, actor.UserID, tx.Now(), userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return spiker.Errorf(spiker.ECONFLICT, "this account has not been enrolled or is disabled: a new enrolment link (reset) is what it needs")
	}
	return s.audit(ctx, tx, actor, "user.authenticator_lost", "user", fmt.Sprint(userID), "waiting for a supervisor's approval")
}

// RequestAuthenticatorResetBySignIn lets a user who lost their
// authenticator ask for a new one from the sign-in page, proving their
// password. It is throttled as a sign-in is, and answers the same whether
// or not the username and password were right.
func (s UserService) RequestAuthenticatorResetBySignIn(ctx context.Context, username, password, client string) error {
	// The sign-in throttle: one client's wrong tries refuse that client
	// only, and never the user asking from elsewhere.
	if err := s.throttleSignIn(ctx, username, client); err != nil {
		return err
	}
	actor, err := s.Authenticate(ctx, username, password)
	if err != nil {
		return nil
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return s.requestAuthenticatorTx(ctx, tx, actor, actor.UserID)
	})
}

// AuthenticatorRequests lists the lost-authenticator requests a supervisor
// may approve: in their region, neither their own nor asked by them.
func (s UserService) AuthenticatorRequests(ctx context.Context, actor *spiker.Actor) ([]spiker.AuthenticatorRequest, error) {
	if err := spiker.Authorize(actor, spiker.PermAuthenticator, spiker.Scope{}); err != nil {
		return nil, err
	}
	var out []spiker.AuthenticatorRequest
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.id, u.username, u.region_code, COALESCE(b.username, ''), u.totp_lost_at
			FROM users u LEFT JOIN users b ON b.id = u.totp_lost_by
			WHERE u.totp_lost_at IS NOT NULL AND NOT u.disabled AND (u.region_code = $1 OR u.region_code LIKE $2)
			ORDER BY u.totp_lost_at`, actor.RegionCode, actor.RegionCode+".%")
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (r spiker.AuthenticatorRequest, err error) {
			err = rows.Scan(&r.UserID, &r.Username, &r.RegionCode, &r.RequestedBy, &r.RequestedAt)
			r.RequestedAt = r.RequestedAt.UTC()
			return r, err
		})
		return err
	})
	return out, err
}

// ApproveAuthenticatorReset approves a lost-authenticator request and
// returns a new enrolment link that enrols a new authenticator once its
// holder proves the user's password: the password and the key pair stay,
// so the supervisor (who hands the link over) gains nothing by it. The one
// who asked, and the user, cannot approve; an admin cannot at all.
func (s UserService) ApproveAuthenticatorReset(ctx context.Context, actor *spiker.Actor, userID int64) (string, error) {
	var token string
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var err error
		if denied, err = s.authorizeUser(ctx, tx, actor, spiker.PermAuthenticator, userID); denied != nil || err != nil {
			return err
		}
		var by sql.NullInt64
		var at sql.NullTime
		if err := tx.Get(ctx, `SELECT totp_lost_by, totp_lost_at FROM users WHERE id = $1`, []any{userID}, &by, &at); err != nil {
			return err
		}
		if !at.Valid {
			return spiker.Errorf(spiker.ENOTFOUND, "nobody has asked for a new authenticator for this account (or it was already approved)")
		}
		if actor.UserID == userID || by.Valid && by.Int64 == actor.UserID {
			denied = spiker.Errorf(spiker.EFORBIDDEN, "you asked for this (or it is your own account): another supervisor must approve it")
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_lost_by = NULL, totp_lost_at = NULL WHERE id = $1`, userID); err != nil {
			return err
		}
		// The lost device may hold a passkey too: every passkey goes, and
		// the user registers again after the new enrolment.
		for _, q := range []string{`DELETE FROM staff_sessions WHERE user_id = $1`, `DELETE FROM passkeys WHERE user_id = $1`} {
			if _, err := tx.Exec(ctx, q, userID); err != nil {
				return err
			}
		}
		if token, err = newEnrolmentTx(ctx, tx, userID, spiker.EnrolAuthenticator); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.authenticator_approve", "user", fmt.Sprint(userID), "new authenticator enrolment link; passkeys removed")
	})
	if err == nil {
		err = denied
	}
	return token, err
}

// withField attaches a field to an EINVALID or ECONFLICT error for forms.
func withField(err error, field string) error {
	code := spiker.ErrorCode(err)
	if code != spiker.EINVALID && code != spiker.ECONFLICT || len(spiker.ErrorFields(err)) > 0 {
		return err
	}
	key := spiker.ErrorFields(err)[field] // a specific message, e.g. a weak password's
	if key == "" {
		key = "admin.err." + field
	}
	return &spiker.Error{Code: spiker.EINVALID, Message: spiker.ErrorMessage(err), Fields: map[string]string{field: key}}
}

// authorizeUser checks perm over a user's region inside tx: denied is the
// policy's refusal (the caller returns nil so that the transaction ends
// cleanly, then the refusal), err anything else.
func (s UserService) authorizeUser(ctx context.Context, tx *sqldb.Tx, actor *spiker.Actor, perm spiker.Permission, userID int64) (denied, err error) {
	region, err := s.userRegion(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	return spiker.Authorize(actor, perm, spiker.Scope{RegionCode: region}), nil
}

// userRegion loads a user's region for the policy.
func (s UserService) userRegion(ctx context.Context, tx *sqldb.Tx, id int64) (string, error) {
	var region string
	if err := tx.Get(ctx, `SELECT region_code FROM users WHERE id = $1`, []any{id}, &region); err != nil {
		return "", spiker.Errorf(spiker.ENOTFOUND, "user not found")
	}
	return region, nil
}

// SetDisabled disables (or enables) an account; disabling ends its sessions.
func (s UserService) SetDisabled(ctx context.Context, actor *spiker.Actor, userID int64, disabled bool) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		var err error
		if denied, err = s.authorizeUser(ctx, tx, actor, spiker.PermUserManage, userID); denied != nil || err != nil {
			return err
		}
		if userID == actor.UserID && disabled {
			return spiker.Errorf(spiker.ECONFLICT, "you cannot disable your own account")
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, userID); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, userID); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "user.disabled", "user", fmt.Sprint(userID), fmt.Sprint(disabled))
	})
	if err != nil {
		return err
	}
	return denied
}

// SetRoles replaces a user's roles and region scope. A new case-reading
// role still needs admission to its group's key by a member.
func (s UserService) SetRoles(ctx context.Context, actor *spiker.Actor, userID int64, roles []spiker.Role, region string) error {
	var denied error
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		old, err := s.userRegion(ctx, tx, userID)
		if err != nil {
			return err
		}
		// The policy first: a refusal never depends on what was sent.
		if denied = spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: old}); denied != nil {
			return nil
		}
		if userID == actor.UserID {
			// Separation of duties: nobody widens their own access.
			return &spiker.Error{Code: spiker.EINVALID, Message: "you cannot change your own roles or region; ask another administrator",
				Fields: map[string]string{"roles": "admin.err.self"}}
		}
		probe := &spiker.User{Username: "probe", Roles: roles, RegionCode: region, PasswordHash: "-"}
		if err := probe.Validate(); err != nil {
			return withField(err, "roles")
		}
		if denied = spiker.Authorize(actor, spiker.PermUserManage, spiker.Scope{RegionCode: region}); denied != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_roles WHERE user_id = $1`, userID); err != nil {
			return err
		}
		names := ""
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, userID, string(r)); err != nil {
				return err
			}
			names += string(r) + " "
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET region_code = $1 WHERE id = $2`, region, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.roles", "user", fmt.Sprint(userID), names+region)
	})
	if err != nil {
		return err
	}
	return denied
}
