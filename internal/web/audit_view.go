package web

import (
	"strings"

	"github.com/spikerperak/spiker/internal/locale"
)

// The audit log stores machine codes (actions, roles, record kinds, a few
// fixed reasons); these name them in the page's language for the people who
// read the log. The stored entries stay as they are: the codes are part of
// the hash chain and what a search matches.

// auditName names code in lang from the catalog entry prefix+code, or
// returns "" when no catalog has one (a code from an older version), so the
// page shows the bare code alone.
func auditName(lang, prefix, code string) string {
	if _, ok := locale.Get(locale.Default)[prefix+code]; !ok || code == "" {
		return ""
	}
	return locale.Printer{Lang: lang}.Text(prefix + code)
}

// auditRoles names an entry's comma-joined roles ("manajer_kasus,supervisor"
// as "Manajer kasus, Supervisor"); an unknown role stays as stored.
func auditRoles(lang, roles string) string {
	names := strings.Split(roles, ",")
	for i, r := range names {
		if n := auditName(lang, "roles.", r); n != "" {
			names[i] = n
		}
	}
	return strings.Join(names, ", ")
}

// auditReasons are the fixed reasons the store writes, by their catalog
// key. Other reasons are free text or values ("user 4", a channel, a
// count) and are shown as stored, except a leading "user N", which names
// the word in the page's language.
var auditReasons = map[string]string{
	"policy":                              "audit.reason.policy",
	"no key":                              "audit.reason.no_key",
	"case summary":                        "audit.reason.case_summary",
	"enrolment link issued":               "audit.reason.enrolment_link",
	"waiting for a supervisor's approval": "audit.reason.waiting_approval",
	"new authenticator; key kept":         "audit.reason.new_authenticator",
	"password chosen by the user; new key pair":                                                        "audit.reason.password_chosen",
	"the office requires a passkey of this user":                                                       "audit.reason.passkey_required",
	"new authenticator enrolment link; passkeys removed":                                               "audit.reason.authenticator_approved",
	"sessions ended; passkeys removed; new enrolment link; new key pair; access must be granted again": "audit.reason.password_reset",
	"signature counter did not grow: the passkey may have been copied; sign-in refused":                "audit.reason.passkey_copied",
}

// auditReasonPrefixes are fixed words that begin reasons built from
// values ("user 4: ...", "reports a,b"): the words are named in the page's
// language, the values follow as stored.
var auditReasonPrefixes = []struct{ prefix, key string }{
	{"user ", "audit.reason.user"},
	{"reports ", "audit.reason.reports"},
	{"bootstrap: first member ", "audit.reason.first_member"},
}

// auditReason shows a reason in lang where it is or begins with one of the
// fixed ones.
func auditReason(lang, reason string) string {
	p := locale.Printer{Lang: lang}
	if key, ok := auditReasons[reason]; ok {
		return p.Text(key)
	}
	for _, f := range auditReasonPrefixes {
		rest, ok := strings.CutPrefix(reason, f.prefix)
		// "user " only before a user's number, not a word.
		if ok && rest != "" && (f.prefix != "user " || rest[0] >= '0' && rest[0] <= '9') {
			return p.Text(f.key) + " " + rest
		}
	}
	return reason
}

// auditActor names the public and the program itself (entries with no
// user) in lang; a user is shown by username.
func auditActor(lang string, actorID int64, username string) string {
	if actorID == 0 && (username == "public" || username == "system" || username == "console") {
		return locale.Printer{Lang: lang}.Text("audit.actor." + username)
	}
	return username
}
