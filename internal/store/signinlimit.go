package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// SignInThrottle throttles staff sign-in so that guessing a password is
// slow and yet nobody can lock a user out from another address. Wrong
// tries count against the account from that client (the pair, Limits'
// signin Client bucket) and against the client over all accounts (Client
// here): those refuse, but only that client. The account over every client
// has a high threshold and past it each try waits Delay, never refused.
// Every try also spends the shared budget (Limits' signin Global bucket),
// after the client's buckets, so a refused try spends none of it. A
// successful sign-in gives its tokens back: only failures count.
type SignInThrottle struct {
	Client  Bucket
	Account Bucket
	Delay   time.Duration
}

// DefaultSignInThrottle: 30 wrong tries from one client over all accounts,
// then one a minute; past 100 wrong tries an hour at one account from
// everywhere, each try waits 3 seconds.
func DefaultSignInThrottle() SignInThrottle {
	return SignInThrottle{Client: Bucket{30, 1.0 / 60}, Account: Bucket{100, 100.0 / 3600}, Delay: 3 * time.Second}
}

// signInLimits returns sign-in's pair and shared buckets and the rest of
// its throttle, the defaults for what is not set.
func (s *Store) signInLimits() (Limit, SignInThrottle) {
	l, ok := s.Limits[spiker.ActionSignIn]
	if !ok {
		l = DefaultLimits()[spiker.ActionSignIn]
	}
	if s.SignInThrottle == (SignInThrottle{}) {
		return l, DefaultSignInThrottle()
	}
	return l, s.SignInThrottle
}

// The names of sign-in's own buckets' rows begin with these.
const (
	signInPair    = "signin:pair:"
	signInClient  = "signin:client:"
	signInAccount = "signin:account:"
)

// signInBuckets names the rows of a sign-in try's buckets. The username is
// hashed: the table keeps no list of the names people typed.
func signInBuckets(username, client string) (pair, byClient, account string) {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(username))))
	user := hex.EncodeToString(sum[:16])
	return signInPair + client + ":" + user, signInClient + client, signInAccount + user
}

// throttleSignIn spends a sign-in try's tokens, or refuses it with
// ETOOMANY for this client only; past the account's threshold it waits.
func (s *Store) throttleSignIn(ctx context.Context, username, client string) error {
	if s.LimitsOff {
		return nil
	}
	l, t := s.signInLimits()
	pair, byClient, account := signInBuckets(username, client)
	wait, err := s.takeAll(ctx, namedBucket{pair, l.Client}, namedBucket{byClient, t.Client}, namedBucket{spiker.ActionSignIn + ":all", l.Global})
	if err != nil {
		return err
	}
	if err := tooMany(wait); err != nil {
		return err
	}
	var slow bool
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		w, err := take(ctx, tx, account, t.Account)
		slow = w > 0
		return err
	})
	if err != nil || !slow {
		return err
	}
	timer := time.NewTimer(t.Delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// signInSucceeded gives back, in tx, the tokens a successful sign-in
// spent: the user's own tries never count against them.
func (s *Store) signInSucceeded(ctx context.Context, tx *sqldb.Tx, username, client string) error {
	if s.LimitsOff {
		return nil
	}
	l, t := s.signInLimits()
	pair, byClient, account := signInBuckets(username, client)
	for _, b := range []namedBucket{{pair, l.Client}, {byClient, t.Client}, {account, t.Account}} {
		if err := refund(ctx, tx, b.name, b.Bucket); err != nil {
			return err
		}
	}
	return nil
}
