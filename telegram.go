package spiker

import (
	"crypto/rand"
	"strings"
	"time"
)

// Staff link their Telegram chat to their account with a one-time code: the
// account page shows it, they send it to the office bot, and the chat it
// came from becomes their Telegram alert address. Nobody types a chat id.

const (
	// LinkCodeLength is the length of a linking code: 8 symbols of 32, 40
	// bits, out of reach of guessing within its life at the rate wrong
	// codes are allowed.
	LinkCodeLength = 8
	// LinkCodeTTL is how long a linking code lives.
	LinkCodeTTL = 15 * time.Minute
)

// linkCodeAlphabet has no 0, 1, I or O, which are easy to mistake.
const linkCodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewLinkCode returns a random linking code.
func NewLinkCode() string {
	b := make([]byte, LinkCodeLength)
	rand.Read(b)
	for i := range b {
		b[i] = linkCodeAlphabet[b[i]%byte(len(linkCodeAlphabet))] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

// ParseLinkCode reads a linking code as people type it (lower case,
// spaces or a hyphen in the middle) and returns it in canonical form, or
// false when it cannot be one.
func ParseLinkCode(s string) (string, bool) {
	if len(s) > 4*LinkCodeLength {
		return "", false
	}
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
	if len(s) != LinkCodeLength {
		return "", false
	}
	for i := range len(s) {
		if !strings.ContainsRune(linkCodeAlphabet, rune(s[i])) {
			return "", false
		}
	}
	return s, true
}

// TelegramOutcome is what became of a message to the office bot, and so
// what the bot answers.
type TelegramOutcome string

const (
	TelegramIgnored   TelegramOutcome = ""          // not a private message, or one taken before: no answer
	TelegramHelp      TelegramOutcome = "help"      // no code in it: the bot says what it is for
	TelegramLinked    TelegramOutcome = "linked"    // the code matched: the chat is the user's alert address
	TelegramWrongCode TelegramOutcome = "wrong"     // no live code matched: nothing changed
	TelegramThrottled TelegramOutcome = "throttled" // too many wrong codes from the chat (or from everyone): not tried
)
