package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

var _ spiker.ProofLimiter = (*Store)(nil)

// errProofSpent rolls back an attempt whose proof was spent before.
var errProofSpent = errors.New("rate limit: proof of work already spent")

// AllowProof spends a proof of work in place of the client's own budget:
// the proof once, then the shared budget of each action, all in one
// transaction or none. A spent proof is a row of rate_limits named after
// its challenge and kept until the challenge expires: no other node can
// spend it again.
func (s *Store) AllowProof(ctx context.Context, p spiker.Proof, actions ...string) error {
	if s.LimitsOff {
		return nil
	}
	var wait time.Duration
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rate_limits WHERE bucket LIKE 'proof:%' AND updated_at < $1`, tx.Now()); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, 0, $2) ON CONFLICT (bucket) DO NOTHING`,
			"proof:"+p.ID, p.Expires)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 || !tx.Now().Before(p.Expires) {
			return errProofSpent
		}
		for _, action := range actions {
			l, ok := s.Limits[action]
			if !ok {
				return fmt.Errorf("no rate limit for action %q", action)
			}
			if wait, err = take(ctx, tx, action+":all", l.Global); err != nil {
				return err
			} else if wait > 0 {
				return errRefused
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errRefused):
		return tooMany(wait)
	case errors.Is(err, errProofSpent):
		return &spiker.Error{Code: spiker.ETOOMANY, Message: "this proof of work was used already"}
	}
	return err
}
