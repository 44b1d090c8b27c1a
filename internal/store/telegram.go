package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/vault"
)

// TelegramService links staff members' Telegram chats to their accounts by
// one-time codes, and keeps the office bot's updates: which were taken, and
// who long-polls for them from where.
type TelegramService struct{ *Store }

// Limits on wrong linking codes: a chat may send 5 at once, then one every
// 5 minutes; all chats together 100 an hour. A refused attempt is not
// tried and spends nothing, so no chat can use up the others' budget.
var (
	TelegramChatBucket = Bucket{Capacity: 5, PerSecond: 1.0 / 300}
	TelegramAllBucket  = Bucket{Capacity: 100, PerSecond: 100.0 / 3600}
)

// telegramSeenFor is how long a taken update is remembered, against
// redelivery: Telegram gives up on an update long before.
const telegramSeenFor = 7 * 24 * time.Hour

// linkCodeHash is the stored form of a linking code: a keyed hash, so the
// table does not give live codes away.
func (s TelegramService) linkCodeHash(code string) []byte {
	return vault.MAC(s.Secrets.Current(vault.PurposePepper).Key, "spiker/telegram-link-code", []byte(code))
}

// NewTelegramCode gives the actor a linking code that lives for
// spiker.LinkCodeTTL, replacing any code they had. Only its keyed hash is
// stored, so the code is shown this once.
func (s TelegramService) NewTelegramCode(ctx context.Context, actor *spiker.Actor) (code string, expires time.Time, err error) {
	if err := spiker.Authorize(actor, spiker.PermSelf, spiker.Scope{}); err != nil {
		return "", time.Time{}, err
	}
	code = spiker.NewLinkCode()
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		expires = tx.Now().Add(spiker.LinkCodeTTL)
		if _, err := tx.Exec(ctx, `INSERT INTO telegram_codes (user_id, code_hash, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at`,
			actor.UserID, s.linkCodeHash(code), expires); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.telegram_code", "user", fmt.Sprint(actor.UserID), "")
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

// TakeTelegramMessage takes one private message to the bot (bot is the
// bot's id, the public half of its token), once per update: text is what
// the message offers as a code. A live code links the chat to the code's
// user as their Telegram alert address and dies; a wrong one changes
// nothing and counts against the chat. The outcome says what to answer.
func (s TelegramService) TakeTelegramMessage(ctx context.Context, bot string, updateID, chatID int64, text string) (spiker.TelegramOutcome, error) {
	var out spiker.TelegramOutcome
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		fresh, err := firstTake(ctx, tx, bot, updateID)
		if err != nil || !fresh {
			out = spiker.TelegramIgnored
			return err
		}
		code, ok := spiker.ParseLinkCode(text)
		if !ok {
			out = spiker.TelegramHelp
			return nil
		}
		out, err = s.tryLinkCode(ctx, tx, chatID, code)
		return err
	})
	return out, err
}

// firstTake records an update as taken and reports whether it was new;
// updates older than telegramSeenFor are forgotten.
func firstTake(ctx context.Context, tx *sqldb.Tx, bot string, updateID int64) (bool, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM telegram_updates WHERE received_at < $1`, tx.Now().Add(-telegramSeenFor)); err != nil {
		return false, err
	}
	res, err := tx.Exec(ctx, `INSERT INTO telegram_updates (bot, update_id, received_at) VALUES ($1, $2, $3)
		ON CONFLICT (bot, update_id) DO NOTHING`, bot, updateID, tx.Now())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// tryLinkCode matches a code sent from a chat, within the limits on wrong
// codes.
func (s TelegramService) tryLinkCode(ctx context.Context, tx *sqldb.Tx, chatID int64, code string) (spiker.TelegramOutcome, error) {
	chat := "telegram:chat:" + hex.EncodeToString(vault.MAC(s.Secrets.Current(vault.PurposePepper).Key, "spiker/telegram-chat", []byte(strconv.FormatInt(chatID, 10)))[:12])
	chatLeft, err := bucketLevel(ctx, tx, chat, TelegramChatBucket)
	if err != nil {
		return "", err
	}
	allLeft, err := bucketLevel(ctx, tx, "telegram:all", TelegramAllBucket)
	if err != nil || chatLeft < 1 || allLeft < 1 {
		return spiker.TelegramThrottled, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM telegram_codes WHERE expires_at <= $1`, tx.Now()); err != nil {
		return "", err
	}
	var user spiker.Actor
	err = tx.Get(ctx, `SELECT u.id, u.username FROM telegram_codes c JOIN users u ON u.id = c.user_id
		WHERE c.code_hash = $1 AND NOT u.disabled`, []any{s.linkCodeHash(code)}, &user.UserID, &user.Username)
	if errors.Is(err, sql.ErrNoRows) {
		if err := setBucket(ctx, tx, chat, chatLeft-1); err != nil {
			return "", err
		}
		return spiker.TelegramWrongCode, setBucket(ctx, tx, "telegram:all", allLeft-1)
	} else if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM telegram_codes WHERE user_id = $1`, user.UserID); err != nil {
		return "", err
	}
	if err := setChannelIn(ctx, tx, user.UserID, "telegram", strconv.FormatInt(chatID, 10)); err != nil {
		return "", err
	}
	return spiker.TelegramLinked, s.audit(ctx, tx, &user, "user.channel", "user", fmt.Sprint(user.UserID), "telegram")
}

// ClaimTelegramPoll gives node the right to long-poll the bot for lease,
// or renews it, and returns the offset to poll from; held is false while
// another node holds it. Another bot (a new token) starts from offset 0.
func (s TelegramService) ClaimTelegramPoll(ctx context.Context, node, bot string, lease time.Duration) (offset int64, held bool, err error) {
	err = s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		err := tx.Get(ctx, `UPDATE telegram_poll SET holder = $1, lease_until = $2, bot = $3,
				next_offset = CASE WHEN bot = $3 THEN next_offset ELSE 0 END
			WHERE id = 1 AND (holder = $1 OR lease_until IS NULL OR lease_until <= $4) RETURNING next_offset`,
			[]any{node, tx.Now().Add(lease), bot, tx.Now()}, &offset)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		held = err == nil
		return err
	})
	return offset, held, err
}

// SaveTelegramOffset moves the next offset on to after the updates node
// has taken, while node still holds the poll.
func (s TelegramService) SaveTelegramOffset(ctx context.Context, node, bot string, offset int64) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE telegram_poll SET next_offset = $1 WHERE id = 1 AND holder = $2 AND bot = $3 AND next_offset < $1`,
			offset, node, bot)
		return err
	})
}

// ReleaseTelegramPoll gives the poll up (a graceful shutdown), so another
// node may take it at once.
func (s TelegramService) ReleaseTelegramPoll(ctx context.Context, node string) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE telegram_poll SET holder = '', lease_until = NULL WHERE id = 1 AND holder = $1`, node)
		return err
	})
}
