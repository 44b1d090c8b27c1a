package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Bucket is a token bucket: Capacity attempts at once, refilled at PerSecond.
type Bucket struct {
	Capacity  float64
	PerSecond float64
}

// take spends one token of the named bucket in tx, or returns how long until
// one is available. Buckets live in the database so that every node of a
// PostgreSQL deployment enforces the same limit.
func take(ctx context.Context, tx *sqldb.Tx, name string, b Bucket) (time.Duration, error) {
	tokens, err := bucketLevel(ctx, tx, name, b)
	if err != nil {
		return 0, err
	}
	if tokens < 1 {
		return time.Duration((1 - tokens) / b.PerSecond * float64(time.Second)), nil
	}
	return 0, setBucket(ctx, tx, name, tokens-1)
}

// bucketLevel returns the tokens the named bucket holds now, locking its row
// for the rest of tx on PostgreSQL. Reading spends nothing.
func bucketLevel(ctx context.Context, tx *sqldb.Tx, name string, b Bucket) (float64, error) {
	lock := ""
	if tx.Dialect() == sqldb.Postgres {
		// A bucket's first requests, arriving together, would each find no
		// row and each spend a full bucket: the row is made first (a full
		// bucket), so that they queue on its lock instead.
		if _, err := tx.Exec(ctx, `INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, $2, $3) ON CONFLICT (bucket) DO NOTHING`,
			name, b.Capacity, tx.Now()); err != nil {
			return 0, err
		}
		lock = " FOR UPDATE"
	}
	tokens := b.Capacity
	var last time.Time
	err := tx.Get(ctx, `SELECT tokens, updated_at FROM rate_limits WHERE bucket = $1`+lock, []any{name}, &tokens, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return b.Capacity, nil
	} else if err != nil {
		return 0, err
	}
	return math.Min(b.Capacity, tokens+tx.Now().Sub(last).Seconds()*b.PerSecond), nil
}

// setBucket stores the tokens the named bucket holds now.
func setBucket(ctx context.Context, tx *sqldb.Tx, name string, tokens float64) error {
	_, err := tx.Exec(ctx, `INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`, name, tokens, tx.Now())
	return err
}

// Limit is the pair of buckets of one action: per client and for everyone.
type Limit struct{ Client, Global Bucket }

// DefaultLimits keep a flood of junk from drowning real reports while a
// person who mistypes or retries is never stopped: a client may send 5
// reports, 20 files and 5 receipt attempts at once, refilled over an hour
// (receipts: one a minute); everyone together 600 reports an hour.
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		spiker.ActionReport:  {Client: Bucket{5, 5.0 / 3600}, Global: Bucket{600, 600.0 / 3600}},
		spiker.ActionFile:    {Client: Bucket{20, 20.0 / 3600}, Global: Bucket{3000, 3000.0 / 3600}},
		spiker.ActionReceipt: {Client: ReceiptClientBucket, Global: ReceiptGlobalBucket},
		// Sign-in: 10 wrong tries at one account from one client, then one
		// every 90 seconds; everyone together 600 at once, 10 a second.
		// SignInThrottle adds the client's and the account's own budgets.
		spiker.ActionSignIn: {Client: Bucket{10, 1.0 / 90}, Global: Bucket{600, 10}},
	}
}

// ParseLimits reads SPIKER_RATE_LIMITS: "" for the defaults, "off" for no
// limits (load tests only), or overrides such as
// "report=10/1h:1000/1h,receipt=5/10m:300/5m" (client:global, count/period).
func ParseLimits(s string) (limits map[string]Limit, off bool, err error) {
	limits = DefaultLimits()
	s = strings.TrimSpace(s)
	if s == "off" {
		return limits, true, nil
	}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		action, spec, ok := strings.Cut(strings.TrimSpace(part), "=")
		client, global, ok2 := strings.Cut(spec, ":")
		if _, known := limits[action]; !ok || !ok2 || !known {
			return nil, false, fmt.Errorf("SPIKER_RATE_LIMITS %q: write off, or action=N/period:N/period for report, file, receipt or signin", part)
		}
		c, err1 := parseBucket(client)
		g, err2 := parseBucket(global)
		if err := errors.Join(err1, err2); err != nil {
			return nil, false, fmt.Errorf("SPIKER_RATE_LIMITS %q: %v", part, err)
		}
		limits[action] = Limit{Client: c, Global: g}
	}
	return limits, false, nil
}

func parseBucket(s string) (Bucket, error) {
	n, period, ok := strings.Cut(s, "/")
	count, err := strconv.Atoi(n)
	d, err2 := time.ParseDuration(period)
	if !ok || err != nil || err2 != nil || count < 1 || d <= 0 {
		return Bucket{}, fmt.Errorf("%q is not a count/period such as 10/1h", s)
	}
	return Bucket{Capacity: float64(count), PerSecond: float64(count) / d.Seconds()}, nil
}

// Allow spends one attempt of an action for a client, or returns ETOOMANY
// with a kind message saying when to try again.
func (s *Store) Allow(ctx context.Context, action, client string) error {
	if s.LimitsOff {
		return nil
	}
	l, ok := s.Limits[action]
	if !ok {
		return fmt.Errorf("no rate limit for action %q", action)
	}
	wait, err := s.takeAll(ctx, namedBucket{action + ":client:" + client, l.Client}, namedBucket{action + ":all", l.Global})
	if err != nil {
		return err
	}
	return tooMany(wait)
}

// errRefused rolls back a transaction in which one bucket was spent and
// a later one refused: a refused request spends nothing.
var errRefused = errors.New("rate limit: refused")

// namedBucket is one bucket of an action and the row that keeps it.
type namedBucket struct {
	name string
	Bucket
}

// takeAll spends one token of each bucket in order, in one transaction,
// or none: the first that refuses rolls the others back and says how long
// to wait. The client's buckets come before the shared one, so a client
// already refused never reaches the shared budget (DESIGN.md §4.2).
func (s *Store) takeAll(ctx context.Context, buckets ...namedBucket) (time.Duration, error) {
	var wait time.Duration
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		for _, b := range buckets {
			var err error
			if wait, err = take(ctx, tx, b.name, b.Bucket); err != nil {
				return err
			} else if wait > 0 {
				return errRefused
			}
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		return wait, nil
	}
	return wait, err
}

// refund gives back one token of the named bucket, up to its capacity.
func refund(ctx context.Context, tx *sqldb.Tx, name string, b Bucket) error {
	tokens, err := bucketLevel(ctx, tx, name, b)
	if err != nil {
		return err
	}
	return setBucket(ctx, tx, name, math.Min(b.Capacity, tokens+1))
}

// tooMany is ETOOMANY with a kind message saying when to try again, or nil
// when there is nothing to wait for.
func tooMany(wait time.Duration) error {
	if wait <= 0 {
		return nil
	}
	return spiker.TooMany(wait)
}
