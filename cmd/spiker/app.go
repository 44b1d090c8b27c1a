package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/api"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/notify"
	"github.com/spikerperak/spiker/internal/pow"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/upload"
	"github.com/spikerperak/spiker/internal/vault"
	"github.com/spikerperak/spiker/internal/web"
	"github.com/spikerperak/spiker/internal/wilayah"
)

// Main is one spiker instance: its data directory, secrets, database and,
// when serving, its HTTP listeners. Tests run it on port 0.
type Main struct {
	Config Config
	Stdout io.Writer    // messages for the operator
	Logger *slog.Logger // the process log (stderr)
	// Clock is the program's one clock, given to every part: the
	// database (and through it the jobs), the store, the web and the API.
	Clock *spiker.Clock

	DB      *sqldb.DB
	Secrets *vault.ServerSecrets
	Regions *wilayah.Directory
	Store   *store.Store

	// Services are the application's services over Store, one per
	// aggregate; the web and API servers take them.
	spiker.Services
	Web      *web.Server
	API      *api.Server
	Jobs     *jobs.Runner
	stopJobs func()
	// backup is the scheduled backup's plan; nil when there is none.
	backup *backupPlan
	// Notify delivers alerts, administers the channels, takes WhatsApp
	// messages and runs the Telegram bot (and its poller).
	Notify *notify.Office

	servers   []*http.Server
	listeners []net.Listener // the public listener, then the staff one if separate
	metricsLn net.Listener   // --metrics-addr's, nil when off
	ready     *writeProbe
	errc      chan error
	closeOnce sync.Once
	closeErr  error
	// idle returns memory after a burst of requests (memory.go).
	idle     idleRelease
	stopIdle context.CancelFunc
}

// Open prepares the data directory, loads or creates the secret file, opens
// the database and brings its schema up to date (or refuses an outdated
// one), as the configuration says.
func (m *Main) Open(ctx context.Context) error {
	regions, err := wilayah.Default()
	if err != nil {
		return err
	}
	m.Regions = regions
	reg, err := regions.Region(m.Config.Region)
	if err != nil || reg.Level() != spiker.LevelRegency {
		return fmt.Errorf("--regency (SPIKER_REGION) %q is not a regency or city code; use one such as 35.24 (Kabupaten Lamongan)", m.Config.Region)
	}
	spiker.SetLocalPasswordWords(regions.PlaceWords(m.Config.Region))
	if err := prepareDataDir(m.Config.DataDir, m.Logger); err != nil {
		return err
	}
	m.Clock = spiker.NewClock(m.Config.Clock, spiker.TimeZone(m.Config.Region))
	db, err := sqldb.Open(ctx, m.Config.DatabaseURL())
	if err != nil {
		return err
	}
	db.Now = m.Clock.Now
	m.DB = db
	secrets, created, err := vault.LoadOrCreateSecrets(m.Config.SecretPath(), m.Clock.Now())
	if err != nil {
		return err
	}
	if created {
		m.Logger.Info("created the secret file; back it up separately from the database", "path", secrets.Path())
	}
	m.Secrets = secrets
	if m.Config.autoMigrate() {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, mg := range applied {
			m.Logger.Info("applied migration", "version", mg.Version, "name", mg.Name)
		}
	}
	if err := db.CheckSchema(ctx); err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	m.Store = store.New(db, secrets)
	// Shifts, working days, due dates and statistics months are local.
	m.Store.Zone = m.Clock.Zone()
	m.Store.Regions = regions
	m.Store.Regency = m.Config.Region
	if err := m.Store.Setup(ctx); err != nil {
		return err
	}
	if m.Store.Limits, m.Store.LimitsOff, err = store.ParseLimits(m.Config.RateLimits); err != nil {
		return err
	}
	if m.Store.LimitsOff {
		m.Logger.Warn("rate limits are OFF (SPIKER_RATE_LIMITS=off): use this only for load tests and benchmarks")
	}
	m.Services = m.Store.Services()
	return nil
}

// prepareDataDir creates the data directory (0700) or checks that the
// existing one is a writable directory.
func prepareDataDir(dir string, logger *slog.Logger) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create the data directory %s: %s", dir, errReason(err))
		}
		logger.Info("created the data directory", "path", dir)
		return nil
	} else if err != nil {
		return fmt.Errorf("cannot use the data directory %s: %s", dir, errReason(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("the data directory %s is not a directory; give --data (SPIKER_DATA) a directory path", dir)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write to the data directory %s: %s", dir, errReason(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	if fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the data directory can be read by other users of this machine; run chmod 700 on it", "path", dir)
	}
	return nil
}

// Run opens the instance and starts serving. It returns once the listeners
// are open; serving errors arrive on Err.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Open(ctx); err != nil {
		return err
	}
	exitURL, err := url.Parse(m.Config.ExitURL)
	if err != nil || exitURL.Scheme != "https" || exitURL.Host == "" {
		return fmt.Errorf("--exit-url (SPIKER_EXIT_URL) %q is not an https:// address of a neutral site", m.Config.ExitURL)
	}
	if err := checkPublicURL(m.Config.PublicURL); err != nil {
		return err
	}
	if m.backup, err = parseBackupPlan(&m.Config); err != nil {
		return err
	}
	if m.backup != nil && m.backup.keep > spiker.RetentionMinNotCaseDays {
		// The shortest retention an office can set: copies kept longer
		// hold records the purge removed for that much longer.
		m.Logger.Warn("--backup-keep (SPIKER_BACKUP_KEEP) keeps more daily copies than the shortest retention an office may set (30 days): purged records stay in the copies that long", "keep", m.backup.keep)
	}
	if err := checkMetrics(m.Config); err != nil {
		return err
	}
	for flag, u := range map[string]string{"--telegram-api (SPIKER_TELEGRAM_API)": m.Config.TelegramAPI, "--whatsapp-api (SPIKER_WHATSAPP_API)": m.Config.WhatsAppAPI} {
		if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "http://localhost:") {
			return fmt.Errorf("%s %q: use an https:// address (or http://127.0.0.1:PORT for a test server)", flag, u)
		}
	}
	m.instrument()
	m.ready = &writeProbe{dir: m.Config.DataDir, now: m.Clock.Now}
	clientKey := m.Secrets.Current(vault.PurposeSession).Key
	proxies, err := parseProxies(m.Config.TrustedProxies)
	if err != nil {
		return err
	}
	srv := &web.Server{
		Logger:     m.Logger,
		Regions:    m.Regions,
		RegionCode: m.Config.Region,
		Services:   m.Services,
		Limiter:    m.Store,
		LimitsOff:  m.Store.LimitsOff,
		ExitURL:    exitURL.String(),
		// The proof-of-work challenges are signed with a key of their own,
		// derived from the session secret.
		Proofs: &pow.Issuer{Key: vault.MAC(clientKey, "spiker/pow", nil)},
		// Secure and __Host- cookies and HSTS behind a TLS proxy.
		HTTPS: httpsDetector(m.Config.PublicURL, proxies),
		Clock: m.Clock,
		ClientKey: func(r *http.Request) string {
			// An HMAC of the address with a server key: the buckets of one
			// client meet, and no address is ever stored.
			return hex.EncodeToString(vault.MAC(clientKey, "spiker/client", []byte(rateLimitAddr(r, proxies)))[:12])
		},
		Ready: func(ctx context.Context) error {
			if err := m.DB.Ping(ctx); err != nil {
				return err
			}
			if err := m.DB.CheckSchema(ctx); err != nil {
				return err
			}
			return m.ready.check()
		},
	}
	// Files arriving with a form stream to encrypted spools under the data
	// directory; what a stopped server left there is removed now.
	srv.Uploads = upload.Dir{Root: filepath.Join(m.Config.DataDir, "uploads")}
	if err := srv.Uploads.Prepare(m.Clock.Now()); err != nil {
		return fmt.Errorf("preparing the upload folder: %w", err)
	}
	srv.PasskeyURL = m.passkeyURL()
	// One intake path for the form, walk-in intake and the API.
	srv.Submissions = &spiker.ReportIntake{Reports: m.Reports, Limiter: m.Store,
		Regions: m.Regions, RegionCode: m.Config.Region, Clock: m.Clock}
	m.Notify = &notify.Office{Duty: m.Duty, Reports: m.Reports, Users: m.Users,
		TelegramAPI: m.Config.TelegramAPI, WhatsAppAPI: m.Config.WhatsAppAPI, PublicURL: m.Config.PublicURL,
		StaffURL: m.staffURL, Region: m.Config.Region, Logger: m.Logger, Clock: m.Clock,
		Wake: func() {
			if m.Jobs != nil {
				m.Jobs.Wake()
			}
		}}
	srv.Channels = m.Notify
	srv.Waiting = func(ctx context.Context, a *spiker.Actor) bool {
		u, err := m.Users.FindUserByID(ctx, a.UserID)
		if err != nil {
			return false
		}
		waiting, _ := m.Store.WaitingForAccess(ctx, u)
		return waiting
	}
	apiSrv := &api.Server{Logger: m.Logger, Regions: m.Regions, RegionCode: m.Config.Region, Services: m.Services,
		Submissions: srv.Submissions, Limiter: m.Store, ClientKey: srv.ClientKey, Clock: m.Clock}
	m.API = apiSrv
	srv.API, srv.StaffAPI = apiSrv.Handler(), apiSrv.StaffHandler()
	for _, rt := range apiSrv.StaffRoutes() {
		srv.StaffAPIRoutes = append(srv.StaffAPIRoutes, web.APIRoute{Method: rt.Method, Path: rt.Path, Perm: rt.Perm, Record: rt.Record, Key: rt.Key})
	}
	m.Web = srv
	if !m.Config.NoJobs {
		m.Jobs = m.newJobs()
	}
	m.errc = make(chan error, 3)
	idleCtx, stopIdle := context.WithCancel(context.Background())
	m.stopIdle = stopIdle
	go m.idle.run(idleCtx, 10*time.Second)
	tuneGC(os.Getenv)
	if m.Config.StaffAddr == "" {
		if err := m.listen(m.Config.Addr, srv.Handler(web.Both)); err != nil {
			return err
		}
	} else {
		if err := m.listen(m.Config.Addr, srv.Handler(web.Public)); err != nil {
			return err
		}
		if err := m.listen(m.Config.StaffAddr, srv.Handler(web.Staff)); err != nil {
			return err
		}
	}
	if err := m.startMetrics(); err != nil {
		return err
	}
	if !m.Config.NoJobs {
		m.startJobs()
		m.Notify.StartPoller()
	}
	return nil
}

func (m *Main) listen(addr string, h http.Handler) error {
	ln, err := m.serveOn(addr, h)
	if err != nil {
		return err
	}
	m.listeners = append(m.listeners, ln)
	return nil
}

// serveOn serves h on a new listener at addr until Close.
func (m *Main) serveOn(addr string, h http.Handler) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		reason := err.Error()
		if errors.Is(err, syscall.EADDRINUSE) {
			reason = "the address is already in use by another program (is spiker already running?)"
		}
		return nil, fmt.Errorf("cannot listen on %s: %s", addr, reason)
	}
	s := &http.Server{
		Handler:           m.idle.count(h),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(redactingWriter{m.Logger}, "", 0),
	}
	m.servers = append(m.servers, s)
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.errc <- err
		}
	}()
	return ln, nil
}

// PublicAddr returns the address the public portal listens on.
func (m *Main) PublicAddr() string { return m.listeners[0].Addr().String() }

// StaffAddr returns the address the back office listens on.
func (m *Main) StaffAddr() string { return m.listeners[len(m.listeners)-1].Addr().String() }

// Err delivers a fatal serving error.
func (m *Main) Err() <-chan error { return m.errc }

// Close stops serving, letting requests in flight finish for up to 15
// seconds, then closes the database.
// Closing twice is harmless.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		var errs []error
		for _, s := range m.servers {
			errs = append(errs, s.Shutdown(ctx))
		}
		if m.stopIdle != nil {
			m.stopIdle()
		}
		if m.stopJobs != nil {
			m.stopJobs() // finishes or gives back the jobs it holds
		}
		if m.Notify != nil {
			m.Notify.StopPoller() // gives the poll back
		}
		if m.DB != nil {
			errs = append(errs, m.DB.Close())
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// clientAddr matches IP addresses (v4 and v6) with an optional port.
var clientAddr = regexp.MustCompile(`\[?[0-9a-fA-F:.]*[0-9a-fA-F][.:][0-9a-fA-F:.]+\]?(:\d+)?`)

// redactingWriter sends net/http's own error lines (e.g. "TLS handshake
// error from 10.1.2.3:4567") to slog with any address removed.
type redactingWriter struct{ logger *slog.Logger }

func (w redactingWriter) Write(p []byte) (int, error) {
	w.logger.Warn("http server", "msg", clientAddr.ReplaceAllString(string(p), "[client]"))
	return len(p), nil
}

// newLogger returns the process logger writing to w in the given format.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("log format %q is not known; use text or json", format)
}
