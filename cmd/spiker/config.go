package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/web"
)

// Config is the configuration of one spiker process. Every setting is a flag
// and a SPIKER_* environment variable (the flag wins); a secret can also be
// read from the file named by the variable with _FILE appended. With no
// configuration at all the defaults give a working instance on 127.0.0.1.
type Config struct {
	DataDir    string // SPIKER_DATA
	Addr       string // SPIKER_ADDR
	StaffAddr  string // SPIKER_STAFF_ADDR; empty = the back office shares Addr
	DB         string // SPIKER_DB; empty = SQLite in DataDir
	Region     string // SPIKER_REGION: the deployment's regency code
	SecretFile string // SPIKER_SECRET_FILE; empty = DataDir/secret.json
	LogFormat  string // SPIKER_LOG_FORMAT: text or json
	ExitURL    string // SPIKER_EXIT_URL: where quick exit goes
	RateLimits string // SPIKER_RATE_LIMITS: "", "off" or overrides
	StaffURL   string // SPIKER_STAFF_URL: the back office's public address, for links in alerts
	// PublicURL is the public portal's https address as the internet
	// reaches it; with it, Telegram delivers the bot's updates by webhook,
	// without it this program long-polls for them.
	PublicURL string // SPIKER_PUBLIC_URL
	// TrustedProxies lists the reverse proxies (addresses or CIDR ranges)
	// whose X-Forwarded-For is believed for per-client rate limits.
	TrustedProxies string // SPIKER_TRUSTED_PROXIES
	// TelegramAPI and WhatsAppAPI override the services' API addresses (a
	// proxy, or a test server); empty is the official host. They are the
	// operator's, never a web setting.
	TelegramAPI string // SPIKER_TELEGRAM_API
	WhatsAppAPI string // SPIKER_WHATSAPP_API
	// MetricsAddr is where /metrics is served, on a listener of its own
	// (empty: nowhere); MetricsToken is the bearer token a scraper sends,
	// required unless the address is a loopback one.
	MetricsAddr  string // SPIKER_METRICS_ADDR
	MetricsToken string // SPIKER_METRICS_TOKEN (or _FILE)

	// Clock replaces the database's clock, which every time limit and
	// session follows (tests move time on); nil is the real time.
	Clock func() time.Time

	// NoJobs keeps this process from running background jobs (tests that
	// run them by hand with a controlled clock).
	NoJobs bool
	// JobLease is how long a claimed job is held before another node may
	// take it over: after a crash, its jobs wait this long.
	JobLease time.Duration // SPIKER_JOB_LEASE

	// The scheduled backup (backup_job.go): off without BackupDir; SQLite
	// only. BackupAgeRecipient is an age public key (age1...), or several
	// separated by commas: the copies are encrypted to them.
	BackupDir          string // SPIKER_BACKUP_DIR
	BackupAt           string // SPIKER_BACKUP_AT: local HH:MM, default 01:30
	BackupKeep         int    // SPIKER_BACKUP_KEEP: copies kept, default 7
	BackupAgeRecipient string // SPIKER_BACKUP_AGE_RECIPIENT

	// AutoMigrate applies pending migrations on start. Unset, it is on for
	// the embedded SQLite and off for PostgreSQL, where several nodes share
	// one database and an operator runs `spiker migrate` deliberately.
	AutoMigrate *bool // SPIKER_AUTO_MIGRATE
}

// env reads SPIKER_* variables; tests pass their own.
type env func(string) string

// value returns the variable, or the content of the file named by NAME_FILE
// (trimmed), or def.
func (e env) value(name, def string) (string, error) {
	if v := e(name); v != "" {
		return v, nil
	}
	if f := e(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: cannot read %s: %v", name, f, errReason(err))
		}
		return strings.TrimSpace(string(b)), nil
	}
	return def, nil
}

// bind registers the flags that every command reading the data directory or
// database takes, with defaults from the environment.
func (c *Config) bind(fs *flag.FlagSet, e env, serve bool) error {
	type setting struct {
		ptr        *string
		flag, name string
		def, usage string
	}
	settings := []setting{
		{&c.DataDir, "data", "SPIKER_DATA", "./spiker-data", "data directory: SQLite file, secret file"},
		{&c.DB, "db", "SPIKER_DB", "", "database: empty for SQLite in the data directory, or a postgres:// URL"},
		{&c.Region, "regency", "SPIKER_REGION", spiker.DefaultRegion, "Kemendagri code of the deployment's regency or city (35.24 = Kabupaten Lamongan)"},
		{&c.SecretFile, "secret-file", "SPIKER_SECRET_FILE", "", "secret file (default: secret.json in the data directory)"},
		{&c.LogFormat, "log-format", "SPIKER_LOG_FORMAT", "text", "log format: text or json"},
	}
	if serve {
		settings = append(settings,
			setting{&c.Addr, "addr", "SPIKER_ADDR", "127.0.0.1:8080", "address of the public portal (and of the back office unless --staff-addr is set)"},
			setting{&c.StaffAddr, "staff-addr", "SPIKER_STAFF_ADDR", "", "separate address for the back office, e.g. on an intranet"},
			setting{&c.ExitURL, "exit-url", "SPIKER_EXIT_URL", web.DefaultExitURL, "neutral site that quick exit opens"},
			setting{&c.RateLimits, "rate-limits", "SPIKER_RATE_LIMITS", "", `rate limits: empty for the defaults, "off" for load tests, or e.g. report=5/1h:600/1h,receipt=5/5m:300/5m`},
			setting{&c.StaffURL, "staff-url", "SPIKER_STAFF_URL", "", "the back office's address as staff reach it (https://…), for the links in alerts"},
			setting{&c.PublicURL, "public-url", "SPIKER_PUBLIC_URL", "", "the public portal's https:// address as the internet reaches it, for Telegram's webhook (empty: long polling)"},
			setting{&c.TrustedProxies, "trusted-proxies", "SPIKER_TRUSTED_PROXIES", "", "reverse proxies whose X-Forwarded-For is believed for rate limits, e.g. 127.0.0.1,10.0.0.0/8"},
			setting{&c.TelegramAPI, "telegram-api", "SPIKER_TELEGRAM_API", "", "the Telegram Bot API's address, to use a proxy (empty: the official https://api.telegram.org)"},
			setting{&c.WhatsAppAPI, "whatsapp-api", "SPIKER_WHATSAPP_API", "", "the WhatsApp Cloud API's address, to use a proxy (empty: the official https://graph.facebook.com)"},
			setting{&c.BackupDir, "backup-dir", "SPIKER_BACKUP_DIR", "", "directory of the daily scheduled backups of the SQLite database (empty: no scheduled backup)"},
			setting{&c.BackupAt, "backup-at", "SPIKER_BACKUP_AT", "01:30", "local time (HH:MM, the regency's zone) of the daily scheduled backup"},
			setting{&c.BackupAgeRecipient, "backup-age-recipient", "SPIKER_BACKUP_AGE_RECIPIENT", "", "age public key (age1...; several separated by commas) to encrypt the scheduled backups to (empty: not encrypted)"},
			setting{&c.MetricsAddr, "metrics-addr", "SPIKER_METRICS_ADDR", "", "address serving /metrics for Prometheus on a listener of its own, e.g. 127.0.0.1:9464 (empty: no metrics)"},
			setting{&c.MetricsToken, "metrics-token", "SPIKER_METRICS_TOKEN", "", "bearer token a scraper must send to /metrics; required unless --metrics-addr is a loopback address"},
		)
	}
	for _, s := range settings {
		def, err := e.value(s.name, s.def)
		if err != nil {
			return err
		}
		fs.StringVar(s.ptr, s.flag, def, s.usage+" (env "+s.name+")")
	}
	fs.Func("auto-migrate", "apply pending database migrations on start: true or false (default true on SQLite, false on PostgreSQL) (env SPIKER_AUTO_MIGRATE)", func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("use true or false")
		}
		c.AutoMigrate = &b
		return nil
	})
	if serve {
		lease := "2m"
		if v := e("SPIKER_JOB_LEASE"); v != "" {
			lease = v
		}
		d, err := time.ParseDuration(lease)
		if err != nil || d < time.Second || d > time.Hour {
			return fmt.Errorf("SPIKER_JOB_LEASE=%q: use a duration from 1s to 1h, such as 2m", lease)
		}
		c.JobLease = d
		fs.DurationVar(&c.JobLease, "job-lease", d, "how long a node holds a claimed job before another may take it over after a crash (env SPIKER_JOB_LEASE)")
		keep := 7
		if v := e("SPIKER_BACKUP_KEEP"); v != "" {
			if keep, err = strconv.Atoi(v); err != nil {
				return fmt.Errorf("SPIKER_BACKUP_KEEP=%q: use a number of copies, such as 7", v)
			}
		}
		fs.IntVar(&c.BackupKeep, "backup-keep", keep, "how many scheduled backups to keep; older ones are deleted (env SPIKER_BACKUP_KEEP)")
	}
	if v := e("SPIKER_AUTO_MIGRATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("SPIKER_AUTO_MIGRATE=%q: use true or false", v)
		}
		c.AutoMigrate = &b
	}
	return nil
}

// DatabaseURL returns the store URL: the PostgreSQL URL as given, or the
// SQLite file in the data directory.
func (c *Config) DatabaseURL() string {
	if c.DB == "" {
		return "sqlite:" + filepath.Join(c.DataDir, "spiker.db")
	}
	return c.DB
}

// SecretPath returns where the secret file lives.
func (c *Config) SecretPath() string {
	if c.SecretFile != "" {
		return c.SecretFile
	}
	return filepath.Join(c.DataDir, "secret.json")
}

// autoMigrate resolves the AutoMigrate default for the database in use.
func (c *Config) autoMigrate() bool {
	if c.AutoMigrate != nil {
		return *c.AutoMigrate
	}
	return c.DB == ""
}

// checkPublicURL refuses a --public-url that Telegram could not deliver to.
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--public-url (SPIKER_PUBLIC_URL) %q is not the https:// address of the public portal", raw)
	}
	return nil
}
