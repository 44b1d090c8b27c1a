// Package web serves Spiker Perak's HTML: the public portal and the staff
// back office, from embedded templates and static files. The two can be
// served on separate listeners so the back office can stay on an intranet.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/pow"
	"github.com/spikerperak/spiker/internal/upload"
)

// Server holds what the handlers need. Fields are set by the caller (Main)
// before Handler is called.
type Server struct {
	Logger  *slog.Logger
	Regions spiker.RegionDirectory
	// RegionCode is the deployment's regency, e.g. "35.24" for Lamongan.
	RegionCode string
	// Ready reports whether the server can do its work: the database answers
	// and its schema is the one this program needs.
	Ready func(ctx context.Context) error

	// Services are the application's services, one per aggregate
	// (reports, cases, network, duty, users, statistics, audit).
	spiker.Services
	// Submissions takes reports from the form and walk-in intake.
	Submissions *spiker.ReportIntake
	Limiter     spiker.Limiter
	// ClientKey identifies a client for rate limits: an HMAC of its
	// address under a server key, never the address itself.
	ClientKey func(*http.Request) string
	// HTTPS reports whether a request reached us over https although this
	// server sees plain HTTP: the configured public address is https, or a
	// trusted proxy says so (X-Forwarded-Proto). Nil: only our own TLS.
	HTTPS func(*http.Request) bool
	// Proofs issues and checks the optional proof of work that takes a
	// client behind a busy shared address past its own limit (nil: none).
	Proofs *pow.Issuer
	// ExitURL is where quick exit goes: a neutral site.
	ExitURL string
	// LimitsOff is set when rate limits are switched off (load tests); the
	// readiness probe says so.
	LimitsOff bool
	// Clock is the program's one clock: every decision about time (a
	// limit's colour, the shift on duty, "today") reads it.
	Clock *spiker.Clock
	// API serves /api/v1/ on the public listener (nil: no API).
	API http.Handler

	// StaffAPI serves the staff JSON API (bearer tokens) on the staff
	// listener; StaffAPIRoutes declares its routes and permissions so the
	// access-control matrix covers them too.
	StaffAPI       http.Handler
	StaffAPIRoutes []APIRoute

	// PasskeyURL is the back office's configured address passkeys are
	// bound to (empty: only on localhost).
	PasskeyURL string
	Channels   spiker.Channels // settings, tests, replies, the Telegram bot, webhooks (nil: none)
	// Waiting reports whether a user still waits to be admitted to the
	// group of their role.
	Waiting func(context.Context, *spiker.Actor) bool

	// Uploads is the folder of temporary upload files (under the data
	// directory), prepared before serving; empty: a temporary folder.
	Uploads upload.Dir

	pages         *pages
	uploadsOnce   sync.Once
	sweepMu       sync.Mutex
	sweptAt       time.Time
	statsMu       sync.Mutex
	statsAt       time.Time
	statsCache    *spiker.PublicStats
	helpMu        sync.Mutex
	helpAt        time.Time
	helpCache     *helpView
	kecamatanOnce sync.Once
	formPages     formPages
	desaOpts      desaOptionList
	kecamatanList []kecamatanOption
}

// DefaultExitURL is a neutral page (the national weather service's) that
// quick exit opens in place of the portal.
const DefaultExitURL = "https://www.bmkg.go.id/"

// notFoundPattern catches every GET that no other route takes.
const notFoundPattern = "GET /"

// Listener kinds: which routes a handler serves.
const (
	Public = 1 << iota // the portal for the public
	Staff              // the back office
	Both   = Public | Staff
)

// Handler returns the handler for a listener serving the given kinds of
// routes. Routes of another kind are not found on it at all.
func (s *Server) Handler(kinds int) http.Handler {
	if s.pages == nil {
		s.pages = mustParsePages(spiker.TimeZone(s.RegionCode), s.regionName)
	}
	mux := http.NewServeMux()
	for _, rt := range s.Routes(kinds) {
		switch {
		case rt.bearer != nil:
			mux.Handle(rt.Method+" "+rt.Path, rt.bearer)
		case rt.Perm == "":
			mux.Handle(rt.Method+" "+rt.Path, rt.public)
		default:
			mux.Handle(rt.Method+" "+rt.Path, s.staffOnly(rt.staffRoute))
		}
	}
	// Unknown pages get a helpful page; a wrong method on a known route gets
	// the mux's 405 with its Allow header.
	mux.HandleFunc(notFoundPattern, s.notFound)
	// Cross-origin form posts are refused before any handler runs.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, spiker.Errorf(spiker.EFORBIDDEN, "cross-origin request"))
	}))
	return s.recoverPanics(s.logRequests(s.securityHeaders(compress(cop.Handler(mux)))))
}

// Route is one route of a listener with the permission it needs: "" for
// the routes open to everyone (the public portal, probes, static files,
// staff sign-in), a permission for the back office. The access-control
// matrix test walks Routes.
type Route struct {
	staffRoute
	public http.Handler
	bearer http.Handler // a staff API route: the API checks its token and policy
}

// Bearer reports whether the route authenticates with a bearer token.
func (r Route) Bearer() bool { return r.bearer != nil }

// APIRoute declares one staff API route.
type APIRoute struct {
	Method, Path string
	Perm         spiker.Permission
	Record       string
	Key          bool
}

// Routes returns every route a listener of the given kinds serves.
func (s *Server) Routes(kinds int) []Route {
	pub := func(method, path string, h http.Handler) Route {
		return Route{staffRoute: staffRoute{Method: method, Path: path}, public: h}
	}
	rts := []Route{
		pub("GET", "/healthz", http.HandlerFunc(s.healthz)),
		pub("GET", "/readyz", http.HandlerFunc(s.readyz)),
		pub("GET", "/static/", staticHandler()),
		pub("GET", "/favicon.ico", http.HandlerFunc(favicon)),
	}
	if kinds&Public != 0 {
		rts = append(rts,
			pub("GET", "/{$}", http.HandlerFunc(s.reportPage)),
			pub("POST", "/{$}", http.HandlerFunc(s.submitReport)),
			pub("GET", "/lapor", http.HandlerFunc(s.toReport)),
			pub("GET", receiptPath, http.HandlerFunc(s.receiptPage)),
			pub("POST", receiptPath+"/selesai", http.HandlerFunc(s.receiptDone)),
			pub("GET", "/cek", http.HandlerFunc(s.followupPage)),
			pub("POST", "/cek", http.HandlerFunc(s.startFollowup)),
			pub("POST", "/cek/kirim", http.HandlerFunc(s.followupPost)),
			pub("POST", "/cek/selesai", http.HandlerFunc(s.endFollowup)),
			pub("POST", "/keluar", http.HandlerFunc(s.endFollowup)),
			pub("GET", "/aman", http.HandlerFunc(s.safety)),
			pub("GET", "/tentang", http.HandlerFunc(s.about)),
		)
		if s.Statistics != nil {
			rts = append(rts, pub("GET", "/statistik", http.HandlerFunc(s.statistik)),
				pub("GET", "/statistik.csv", http.HandlerFunc(s.statistikCSV)),
				pub("GET", "/statistik.json", http.HandlerFunc(s.statistikJSON)))
		}
		if s.Channels != nil {
			rts = append(rts, pub("GET", "/whatsapp/webhook", http.HandlerFunc(s.whatsappWebhook)),
				pub("POST", "/whatsapp/webhook", http.HandlerFunc(s.whatsappWebhook)),
				pub("POST", "/telegram/webhook", http.HandlerFunc(s.telegramWebhook)))
		}
		if s.API != nil {
			rts = append(rts, pub("GET", "/api/v1/", s.API), pub("POST", "/api/v1/", s.API))
		}
	}
	if kinds&Staff != 0 && s.Users != nil {
		rts = append(rts,
			pub("GET", "/staf/masuk", http.HandlerFunc(s.staffSignInPage)),
			pub("POST", "/staf/masuk", http.HandlerFunc(s.staffSignIn)),
			pub("GET", "/staf/daftar", http.HandlerFunc(s.enrolPage)),
			pub("GET", "/staf/daftar/qr", http.HandlerFunc(s.enrolQR)),
			pub("POST", "/staf/daftar", http.HandlerFunc(s.enrol)),
			pub("GET", "/staf/masuk/hilang", http.HandlerFunc(s.lostAuthenticatorPage)),
			pub("POST", "/staf/masuk/hilang", http.HandlerFunc(s.lostAuthenticator)),
		)
		if s.Users != nil {
			rts = append(rts,
				pub("POST", "/staf/masuk/passkey/mulai", http.HandlerFunc(s.staffPasskeyBegin)),
				pub("POST", "/staf/masuk/passkey", http.HandlerFunc(s.staffPasskeySignIn)),
			)
		}
		for _, rt := range s.staffRoutes() {
			rts = append(rts, Route{staffRoute: rt})
		}
		if s.StaffAPI != nil {
			rts = append(rts, pub("POST", "/api/v1/staff/session", s.StaffAPI))
			for _, a := range s.StaffAPIRoutes {
				rts = append(rts, Route{staffRoute: staffRoute{Method: a.Method, Path: a.Path, Perm: a.Perm, Record: a.Record, Key: a.Key}, bearer: s.StaffAPI})
			}
		}
	}
	return rts
}

func (s *Server) toReport(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) safety(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "safety.html", nil)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 only when the database answers and the schema is
// current. The reason for a 503 is logged, not shown.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Ready(r.Context()); err != nil {
		s.Logger.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready\n"))
		return
	}
	w.Write([]byte("ok\n"))
	if s.LimitsOff {
		w.Write([]byte("warning: rate limits are off (SPIKER_RATE_LIMITS=off); use this only for load tests\n"))
	}
}

func (s *Server) about(w http.ResponseWriter, r *http.Request) {
	regency := s.RegionCode
	if reg, err := s.Regions.Region(s.RegionCode); err == nil {
		regency = reg.Name
	}
	s.render(w, r, http.StatusOK, "about.html", map[string]any{
		"Regency": regency,
		"Version": spiker.Version,
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, spiker.Errorf(spiker.ENOTFOUND, "no route"))
}
