package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"
)

// Bucket is a token bucket: Capacity attempts at once, refilled at PerSecond.
type Bucket struct {
	Capacity  float64
	PerSecond float64
}

// take spends one token of the named bucket in tx, or returns how long until
// one is available. Buckets live in the database so that every node of a
// PostgreSQL deployment enforces the same limit.
func take(ctx context.Context, tx *Tx, name string, b Bucket) (time.Duration, error) {
	lock := ""
	if tx.Dialect() == Postgres {
		lock = " FOR UPDATE"
	}
	tokens, now := b.Capacity, tx.Now()
	var last time.Time
	err := tx.Get(ctx, `SELECT tokens, updated_at FROM rate_limits WHERE bucket = $1`+lock, []any{name}, &tokens, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if err == nil {
		tokens = math.Min(b.Capacity, tokens+now.Sub(last).Seconds()*b.PerSecond)
	}
	if tokens < 1 {
		return time.Duration((1 - tokens) / b.PerSecond * float64(time.Second)), nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`, name, tokens-1, now)
	return 0, err
}
