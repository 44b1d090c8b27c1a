package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// JobPrune is the one recurring prune of operational data: what the
// program kept only to work (sessions, form tokens, rate-limit buckets,
// links and codes, finished jobs, acknowledged alerts, the redelivery
// guards) is deleted once it has served. Records (reports, cases), their
// audit trail and the statistics are not operational data: the retention
// of records is a policy of its own.
const JobPrune = "prune"

// JobSubmissionsPurge was the hourly purge of form tokens, now a part of
// JobPrune. A row an earlier version queued runs the prune once and does
// not come back.
const JobSubmissionsPurge = "submissions.purge"

// pruneEvery is how often the prune runs: a rate-limit bucket's row
// outlives its window by this at most.
const pruneEvery = 10 * time.Minute

// Retention of operational data; the sessions, form tokens, links and
// codes keep the lifetimes they already had (StaffIdle and StaffMax,
// FollowupIdle and FollowupMax, SubmissionKept, EnrolmentValid, the
// Telegram code's and passkey challenge's) and are deleted when those end.
const (
	// JobsDoneKept: a job that ran is kept a week, for an operator who
	// looks into what ran last (a delivery someone says never came);
	// nothing is retried from it.
	JobsDoneKept = 7 * 24 * time.Hour
	// JobsFailedKept: a job that failed for good keeps its error a month,
	// long enough for an operator to notice, fix the cause and see it.
	JobsFailedKept = 30 * 24 * time.Hour
	// AlertsKept: an acknowledged alert, with its in-app notifications and
	// the record of its deliveries, stays in its recipients' list for 90
	// days after it was acknowledged. The breach of a time limit is kept
	// apart (clock_breaches, for the statistics) and the acknowledgement
	// in the audit log; the daily audit anchors are not pruned.
	AlertsKept = 90 * 24 * time.Hour
	// WhatsAppSeenKept: the platform redelivers a webhook it could not
	// deliver for up to 7 days; a message id's keyed hash is kept twice
	// that, so a late redelivery is still stored once.
	WhatsAppSeenKept = 14 * 24 * time.Hour
)

// pruneBatch bounds the rows one statement touches, each in its own
// transaction, so that a prune never holds SQLite's one writer for long;
// pruneBatches bounds the batches of a step in one run (the next run goes
// on where it stopped).
const (
	pruneBatch   = 500
	pruneBatches = 200
)

// pruneStep is one bounded statement: run again while it touches a full
// batch. args gives its arguments at the transaction's time; query's last
// placeholder is the batch size.
type pruneStep struct {
	name  string
	query string
	args  func(now time.Time) []any
}

type pruneJob struct {
	At time.Time
}

// SchedulePrune makes sure a prune job is waiting (at the next multiple
// of pruneEvery); each run schedules the next. Called when the job
// runner starts; several nodes may call it.
func (s *Store) SchedulePrune(ctx context.Context) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		return enqueuePrune(ctx, tx, tx.Now().Truncate(pruneEvery).Add(pruneEvery))
	})
}

func enqueuePrune(ctx context.Context, tx *sqldb.Tx, at time.Time) error {
	return EnqueueIn(ctx, tx, JobPrune, JobPrune+":"+at.UTC().Format(time.RFC3339), at, pruneJob{At: at})
}

// PruneJob is the prune job: it schedules the next run pruneEvery on
// (after a stop, the next to come: one run, not one for each missed), then
// prunes. The next run is queued first, so that a prune that keeps failing
// (and is given up after its attempts) does not end the pruning for good.
func (s *Store) PruneJob(ctx context.Context, j spiker.Job) error {
	var p pruneJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return err
	}
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		at := p.At.Add(pruneEvery)
		if !at.After(tx.Now()) {
			at = tx.Now().Truncate(pruneEvery).Add(pruneEvery)
		}
		return enqueuePrune(ctx, tx, at)
	})
	if err != nil {
		return err
	}
	_, err = s.Prune(ctx)
	return err
}

// legacyPurge runs a submissions.purge row left by an earlier version.
func (s *Store) legacyPurge(ctx context.Context, _ spiker.Job) error {
	_, err := s.Prune(ctx)
	return err
}

// Prune deletes the operational data past its period now, in bounded
// batches, and returns how many rows each step touched. Running it again
// at once touches nothing.
func (s *Store) Prune(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, st := range s.pruneSteps() {
		for range pruneBatches {
			var n int64
			err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
				res, err := tx.Exec(ctx, st.query, append(st.args(tx.Now()), pruneBatch)...)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return out, fmt.Errorf("pruning %s: %w", st.name, err)
			}
			out[st.name] += n
			if n < pruneBatch {
				break
			}
		}
	}
	return out, nil
}

// pruneSteps are the statements of a prune. Each deletes (or clears) only
// what no request can use any more.
func (s *Store) pruneSteps() []pruneStep {
	steps := []pruneStep{
		// The web form's receipt view ends with its window; the token,
		// which answers retries, is deleted after SubmissionKept.
		{"submissions.view", `UPDATE submissions SET receipt_ended = TRUE, view_hash = NULL, view_sealed = NULL WHERE token_hash IN
			(SELECT token_hash FROM submissions WHERE created_at <= $1 AND (view_hash IS NOT NULL OR NOT receipt_ended) LIMIT $2)`,
			before(spiker.ReceiptWindow)},
		{"submissions", `DELETE FROM submissions WHERE token_hash IN (SELECT token_hash FROM submissions WHERE created_at < $1 LIMIT $2)`,
			before(SubmissionKept)},
		// Sessions that ended (idle or too old) are refused already.
		{"staff_sessions", `DELETE FROM staff_sessions WHERE id_hash IN
			(SELECT id_hash FROM staff_sessions WHERE last_seen < $1 OR created_at < $2 LIMIT $3)`,
			before(StaffIdle, StaffMax)},
		{"followup_sessions", `DELETE FROM followup_sessions WHERE id_hash IN
			(SELECT id_hash FROM followup_sessions WHERE last_seen < $1 OR created_at < $2 LIMIT $3)`,
			before(FollowupIdle, FollowupMax)},
		// Links, codes and challenges past their expiry open nothing.
		{"users.enrolment", `UPDATE users SET enrol_hash = NULL, enrol_expires = NULL, enrol_kind = NULL WHERE id IN
			(SELECT id FROM users WHERE enrol_expires <= $1 LIMIT $2)`, before(0)},
		{"telegram_codes", `DELETE FROM telegram_codes WHERE user_id IN (SELECT user_id FROM telegram_codes WHERE expires_at <= $1 LIMIT $2)`,
			before(0)},
		{"passkey_challenges", `DELETE FROM passkey_challenges WHERE challenge_hash IN
			(SELECT challenge_hash FROM passkey_challenges WHERE expires_at < $1 LIMIT $2)`, before(0)},
		// An identity export's sealed identities end with its window (the
		// grant itself stays: who asked, who approved, when).
		{"register_grants.expired", `UPDATE register_grants SET status = $1, sealed_key = NULL, identities = NULL WHERE id IN
			(SELECT id FROM register_grants WHERE status = $2 AND expires_at <= $3 LIMIT $4)`,
			func(now time.Time) []any { return []any{spiker.GrantExpired, spiker.GrantApproved, now} }},
		// The redelivery guards, past the platforms' redelivery windows.
		{"telegram_updates", `DELETE FROM telegram_updates WHERE (bot, update_id) IN
			(SELECT bot, update_id FROM telegram_updates WHERE received_at < $1 LIMIT $2)`, before(telegramSeenFor)},
		{"whatsapp_seen", `DELETE FROM whatsapp_seen WHERE source_hash IN
			(SELECT source_hash FROM whatsapp_seen WHERE created_at < $1 LIMIT $2)`, before(WhatsAppSeenKept)},
		// Finished jobs; a job still to run or running is never touched.
		{"jobs.done", `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'done' AND finished_at < $1 LIMIT $2)`,
			before(JobsDoneKept)},
		{"jobs.failed", `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'failed' AND finished_at < $1 LIMIT $2)`,
			before(JobsFailedKept)},
		// Acknowledged alerts; their notifications and deliveries go with
		// them (ON DELETE CASCADE). The audit anchors stay.
		{"alerts", `DELETE FROM alerts WHERE id IN
			(SELECT id FROM alerts WHERE acknowledged_at < $1 AND record_kind <> 'audit' LIMIT $2)`, before(AlertsKept)},
	}
	return append(steps, s.rateLimitSteps()...)
}

// bucketRule is the rows of rate_limits one kind of bucket keeps: names
// LIKE pattern, refilled from empty in window.
type bucketRule struct {
	pattern string
	window  time.Duration
}

// refillTime is how long an empty bucket takes to fill: a row unused that
// long holds a full bucket, which is what no row means.
func refillTime(b Bucket) time.Duration {
	if b.PerSecond <= 0 || b.Capacity <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(b.Capacity / b.PerSecond * float64(time.Second)))
}

// bucketRules lists every kind of bucket the program keeps, by the name
// its rows take, with its window; a name two kinds share keeps the longer.
func (s *Store) bucketRules() []bucketRule {
	limits := DefaultLimits()
	for action, l := range s.Limits {
		limits[action] = l
	}
	signIn, throttle := s.signInLimits()
	windows := map[string]time.Duration{}
	add := func(pattern string, b Bucket) {
		windows[pattern] = max(windows[pattern], refillTime(b))
	}
	for action, l := range limits {
		add(action+":client:%", l.Client)
		add(action+":all", l.Global)
	}
	add(signInPair+"%", signIn.Client)
	add(signInClient+"%", throttle.Client)
	add(signInAccount+"%", throttle.Account)
	add("telegram:chat:%", TelegramChatBucket)
	add("telegram:all", TelegramAllBucket)
	out := make([]bucketRule, 0, len(windows))
	for p, w := range windows {
		if w > 0 {
			out = append(out, bucketRule{p, w})
		}
	}
	slices.SortFunc(out, func(a, b bucketRule) int { return strings.Compare(a.pattern, b.pattern) })
	return out
}

// rateLimitSteps delete each bucket's row once its window has passed since
// it was last used: the client's keyed address hash and the time it was
// last seen outlive the window by a prune's interval at most. A spent
// proof of work is kept until its challenge expires (its row's time); a
// row of a kind no rule names goes after the longest window.
func (s *Store) rateLimitSteps() []pruneStep {
	const q = `DELETE FROM rate_limits WHERE bucket IN (SELECT bucket FROM rate_limits WHERE bucket LIKE $1 AND updated_at <= $2 LIMIT $3)`
	var steps []pruneStep
	longest := time.Duration(0)
	for _, r := range s.bucketRules() {
		steps = append(steps, pruneStep{"rate_limits " + r.pattern, q, olderThan(r.pattern, r.window)})
		longest = max(longest, r.window)
	}
	steps = append(steps, pruneStep{"rate_limits proof:%", q, olderThan("proof:%", 0)})
	return append(steps, pruneStep{"rate_limits (other)", q, olderThan("%", longest)})
}

// olderThan gives the arguments (first, then now less d).
func olderThan(first any, d time.Duration) func(time.Time) []any {
	return func(now time.Time) []any { return []any{first, now.Add(-d)} }
}

// before gives now less each d.
func before(ds ...time.Duration) func(time.Time) []any {
	return func(now time.Time) []any {
		out := make([]any, len(ds))
		for i, d := range ds {
			out[i] = now.Add(-d)
		}
		return out
	}
}
