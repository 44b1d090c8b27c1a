package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
	spikertotp "github.com/spikerperak/spiker/internal/totp"
)

// TestMain lets a test run this very binary as the real spiker program.
func TestMain(m *testing.M) {
	if os.Getenv("SPIKER_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startMain runs a Main on port 0 with the given data directory and
// database, logging into the returned buffer.
func startMain(t *testing.T, dataDir, dbURL string, options ...func(*Config)) (*Main, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	m := &Main{
		Config: Config{DataDir: dataDir, Addr: "127.0.0.1:0", Region: "35.24", ExitURL: "https://www.bmkg.go.id/"},
		Stdout: io.Discard,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}
	for _, o := range options {
		o(&m.Config)
	}
	if m.Config.DB = postgresOnly(dbURL); m.Config.DB != "" {
		yes := true
		m.Config.AutoMigrate = &yes
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthAndRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		m, _ := startMain(t, dir, dbURL)
		base := "http://" + m.PublicAddr()
		if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
			t.Fatalf("/healthz = %d %q", code, body)
		}
		if code, body := get(t, base+"/readyz"); code != 200 || body != "ok\n" {
			t.Fatalf("/readyz = %d %q", code, body)
		}
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("data directory mode = %v, %v; want 0700", fi.Mode().Perm(), err)
		}
		sf, err := os.Stat(filepath.Join(dir, "secret.json"))
		if err != nil || sf.Mode().Perm() != 0o600 {
			t.Fatalf("secret file mode = %v, %v; want 0600", sf.Mode().Perm(), err)
		}
		if postgresOnly(dbURL) == "" {
			if df, err := os.Stat(filepath.Join(dir, "spiker.db")); err != nil || df.Mode().Perm() != 0o600 {
				t.Fatalf("database file mode = %v, %v; want 0600", df.Mode().Perm(), err)
			}
		}
		first := m.Secrets
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		// A second start on the same data directory reuses its secrets.
		m2, _ := startMain(t, dir, dbURL)
		if !m2.Secrets.Equal(first) {
			t.Fatal("the second start made new secrets")
		}
		if code, _ := get(t, "http://"+m2.PublicAddr()+"/readyz"); code != 200 {
			t.Fatalf("/readyz after restart = %d", code)
		}
	})
}

// readyz turns 503 when the database stops answering.
func TestReadyzFailsWithoutDatabase(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	m.DB.Close()
	if code, body := get(t, "http://"+m.PublicAddr()+"/readyz"); code != 503 || body != "not ready\n" {
		t.Fatalf("/readyz with closed database = %d %q", code, body)
	}
	if code, _ := get(t, "http://"+m.PublicAddr()+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d, want 200 while the process runs", code)
	}
}

// errorLines returns the lines of a command's stderr that are not log
// records: a failing command must print exactly one.
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "time=") {
			out = append(out, l)
		}
	}
	return out
}

// runCLI runs the program's command line as main does.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = run(ctx, args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

// postgresOnly returns a PostgreSQL test URL as it is, and "" for SQLite:
// the program's SQLite lives in its data directory, not at the test's URL.
func postgresOnly(dbURL string) string {
	if strings.HasPrefix(dbURL, "postgres") {
		return dbURL
	}
	return ""
}

// dbArgs returns the --db flag for a test database (none for SQLite).
func dbArgs(dbURL string) []string {
	if u := postgresOnly(dbURL); u != "" {
		return []string{"--db", u}
	}
	return nil
}

func TestServeRefusesOutdatedSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		dir := t.TempDir()
		args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, dbArgs(dbURL)...)
		if postgresOnly(dbURL) == "" {
			args = append(args, "--auto-migrate=false") // SQLite migrates on start by default
		}
		code, _, stderr := runCLI(t, "", nil, args...)
		if code != 1 || !strings.Contains(stderr, "run `spiker migrate` first") || len(errorLines(stderr)) != 1 {
			t.Fatalf("serve on an empty schema: exit %d, stderr %q", code, stderr)
		}
		code, stdout, stderr := runCLI(t, "", nil, append([]string{"migrate", "--data", dir}, dbArgs(dbURL)...)...)
		if code != 0 || !strings.Contains(stdout, "applied 0001_users") {
			t.Fatalf("migrate: exit %d, %q %q", code, stdout, stderr)
		}
		// Now the same serve starts; cancel it once it is up.
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan int)
		go func() {
			done <- run(ctx, args, strings.NewReader(""), out, io.Discard, func(string) string { return "" })
		}()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "is serving") {
			if time.Now().After(deadline) {
				t.Fatal("serve did not start after migrate")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exit %d after cancel", code)
		}
	})
}

func TestUserAdd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		dir := t.TempDir()
		base := append([]string{"--data", dir}, dbArgs(dbURL)...)
		env := map[string]string{"SPIKER_AUTO_MIGRATE": "true"}
		add := func(stdin string, args ...string) (int, string, string) {
			return runCLI(t, stdin, env, append(append([]string{"user", "add"}, base...), args...)...)
		}
		// No password is asked for or read: the command prints the link
		// through which the user chooses one.
		code, stdout, stderr := add("kata sandi yang cukup panjang\n", "--username", "kepala.uptd", "--role", "supervisor,konselor_piket", "--region", "35.24.22")
		if code != 0 {
			t.Fatalf("user add: exit %d, %s", code, stderr)
		}
		link := strings.TrimSpace(stdout)
		if !regexp.MustCompile(`^http://[^/]+/staf/daftar\?t=[A-Za-z0-9_-]{32}$`).MatchString(link) || !strings.Contains(stderr, "without a password") {
			t.Fatalf("enrolment link = %q (%s)", link, stderr)
		}
		m := &Main{Config: Config{DataDir: dir, DB: postgresOnly(dbURL), Region: "35.24"},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		// Until the link is completed: no password, no key, no sign-in, no
		// group (the supervisors' group is still bootstrapping).
		u, err := m.Users.FindUserByUsername(context.Background(), "kepala.uptd")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Roles) != 2 || u.RegionCode != "35.24.22" || u.Enrolled() || u.PasswordHash != "" || u.PublicKey != nil || u.TOTPSealed != nil {
			t.Fatalf("stored user before enrolment %+v", u)
		}
		if _, err := m.Users.Authenticate(context.Background(), "kepala.uptd", "kata sandi yang cukup panjang"); spiker.ErrorCode(err) != spiker.EUNAUTHORIZED {
			t.Fatalf("sign-in before enrolment: %v", err)
		}
		if groups, _ := m.Store.GroupMemberships(context.Background(), u.ID); len(groups) != 0 {
			t.Fatalf("admitted before enrolment: %v", groups)
		}
		secret, err := enrolLink(m, link, "kata sandi yang cukup panjang")
		if err != nil {
			t.Fatal(err)
		}
		// The stored user: a verifying password hash, the key pair it
		// unlocks and the enrolled TOTP secret, sealed; the first member
		// of both groups.
		u, _ = m.Users.FindUserByUsername(context.Background(), "kepala.uptd")
		checkCredentials(t, m, u, "kata sandi yang cukup panjang", spikertotp.URI(u.Username, secret))
		if waiting, err := m.Store.WaitingForAccess(context.Background(), u); waiting || err != nil {
			t.Fatalf("the first supervisor and duty officer was not admitted at enrolment: %v", err)
		}

		for _, tc := range []struct {
			name, stdin string
			args        []string
			code        int
			want        string
		}{
			{"taken", "", []string{"--username", "kepala.uptd", "--role", "admin"}, 1, "already taken"},
			{"bad role", "", []string{"--username", "budi", "--role", "kepala"}, 1, `unknown role "kepala"`},
			{"bad username", "", []string{"--username", "Budi Santoso", "--role", "admin"}, 1, "is not valid"},
			{"outside regency", "", []string{"--username", "budi", "--role", "admin", "--region", "35.25"}, 1, "not inside"},
			{"missing flags", "", []string{"--username", "budi"}, 2, "--role are required"},
		} {
			code, stdout, stderr := add(tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" || len(errorLines(stderr)) != 1 {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.name, code, stdout, stderr, tc.code, tc.want)
			}
		}
		if n, _ := m.Users.CountUsersWithRole(context.Background(), "admin"); n != 0 {
			t.Errorf("a failed user add stored %d admins", n)
		}
	})
}

// A bad setting gives one clear line and a non-zero exit, never a trace.
func TestBadConfiguration(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	m, _ := startMain(t, t.TempDir(), "")
	busy := m.PublicAddr()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad SPIKER_DB", map[string]string{"SPIKER_DB": "mysql://root@localhost/spiker"}, nil, "is not understood"},
		{"unreachable PostgreSQL", map[string]string{"SPIKER_DB": "postgres://spiker:hunter2secret@127.0.0.1:1/spiker"}, nil, "cannot reach the database"},
		{"data directory is a file", nil, []string{"--data", notDir}, "is not a directory"},
		{"data directory unusable", nil, []string{"--data", filepath.Join(notDir, "sub")}, "cannot use the data directory"},
		{"address in use", nil, []string{"--addr", busy}, "already in use"},
		{"bad regency", map[string]string{"SPIKER_REGION": "35.24.22"}, nil, "is not a regency"},
		{"bad log format", map[string]string{"SPIKER_LOG_FORMAT": "xml"}, nil, "log format"},
		{"unreadable secret", map[string]string{"SPIKER_DB_FILE": filepath.Join(notDir, "nope")}, nil, "SPIKER_DB_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)
			code, _, stderr := runCLI(t, "", tc.env, args...)
			if code == 0 || !strings.Contains(stderr, tc.want) || len(errorLines(stderr)) != 1 ||
				strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "hunter2secret") {
				t.Fatalf("exit %d, stderr %q; want one line with %q", code, stderr, tc.want)
			}
		})
	}
}

// Secrets can come from files: SPIKER_DB_FILE holds the database URL.
func TestSecretFromFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "db-url")
	os.WriteFile(f, []byte("mysql://from-file\n"), 0o600)
	code, _, stderr := runCLI(t, "", map[string]string{"SPIKER_DB_FILE": f}, "migrate", "--data", t.TempDir())
	if code != 1 || !strings.Contains(stderr, `"mysql://from-file"`) {
		t.Fatalf("exit %d, %q: SPIKER_DB_FILE was not read", code, stderr)
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "", nil, "help")
	for _, c := range []string{"serve", "migrate", "user", "version"} {
		if !strings.Contains(stdout, "\n  "+c+" ") {
			t.Errorf("help does not list %s:\n%s", c, stdout)
		}
	}
	if code != 0 {
		t.Errorf("help exit %d", code)
	}
	if code, stdout, _ := runCLI(t, "", nil, "version"); code != 0 || !strings.HasPrefix(stdout, "spiker ") {
		t.Errorf("version: %d %q", code, stdout)
	}
	if code, _, stderr := runCLI(t, "", nil, "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
}

// The request log names the route and status but never the client's
// address, user agent or query string.
func TestRequestLogKeepsNoClientDetails(t *testing.T) {
	m, logs := startMain(t, t.TempDir(), "")
	var clientAddr string
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { clientAddr = info.Conn.LocalAddr().String() },
	})
	for _, path := range []string{"/tentang?nama=SitiCanary", "/no-such-page-Canary?telepon=0812345", "/healthz"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+m.PublicAddr()+path, nil)
		req.Header.Set("User-Agent", "CanaryAgent/1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got := logs.String()
	if !strings.Contains(got, `route="GET /tentang" status=200`) || !strings.Contains(got, "route=unmatched status=404") {
		t.Fatalf("request log lacks route and status:\n%s", got)
	}
	for _, secret := range []string{clientAddr, "CanaryAgent", "Canary", "0812345", "nama="} {
		if secret != "" && strings.Contains(got, secret) {
			t.Errorf("log contains %q:\n%s", secret, got)
		}
	}
}

// The real process stops cleanly on SIGTERM.
func TestGracefulShutdownOnSignal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "SPIKER_TEST_RUN_MAIN=1")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "is serving") {
		t.Fatalf("first line %q, %v; stderr %s", line, err, stderr.String())
	}
	addr := strings.TrimSpace(line[strings.LastIndex(line, "http://"):])
	if code, _ := get(t, addr+"/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	go io.Copy(io.Discard, stdout)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Fatalf("no clean stop in the log:\n%s", stderr.String())
	}
}

func TestEscrowAuditAndKeysCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		dir := t.TempDir()
		base := append([]string{"--data", dir}, dbArgs(dbURL)...)
		env := map[string]string{"SPIKER_AUTO_MIGRATE": "true"}
		cli := func(stdin string, args ...string) (int, string, string) {
			return runCLI(t, stdin, env, append(args, base...)...)
		}
		code, stdout, stderr := cli("", "escrow", "init", "--holders", "Kepala Dinas; Kepala UPTD; Petugas PDP")
		if code != 0 || strings.Count(stdout, "SPIKER-ESCROW-") != 3 || !strings.Contains(stdout, "Kepala UPTD\nSPIKER-ESCROW-2-") {
			t.Fatalf("escrow init: %d %q %q", code, stdout, stderr)
		}
		var shares []string
		for _, l := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(l, "SPIKER-ESCROW-") {
				shares = append(shares, l)
			}
		}
		if code, _, stderr := cli("", "escrow", "init", "--holders", "a; b; c"); code != 1 || !strings.Contains(stderr, "already set up") {
			t.Fatalf("second escrow init: %d %q", code, stderr)
		}
		_, officerLink, _ := cli("", "user", "add", "--username", "konselor.satu", "--role", "konselor_piket")
		_, managerLink, _ := cli("", "user", "add", "--username", "manajer.satu", "--role", "manajer_kasus")
		m := &Main{Config: Config{DataDir: dir, DB: postgresOnly(dbURL), Region: "35.24"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		for _, link := range []string{officerLink, managerLink} {
			if _, err := enrolLink(m, link, "tubruk pasar sapi kabut"); err != nil {
				t.Fatal(err)
			}
		}
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.01", ReporterRole: spiker.ReporterSaksi,
			ViolenceTypes: []string{"Lainnya"}, VictimAge: -1, Consent: true, Content: spiker.ReportContent{Narrative: "cerita"}}
		if _, err := m.Reports.CreateReport(context.Background(), r, ""); err != nil {
			t.Fatal(err)
		}
		recoverArgs := []string{"escrow", "recover", "--report", r.ID, "--user", "manajer.satu", "--reason", "the officer is on leave"}
		if code, _, stderr := cli(shares[1]+"\n", recoverArgs...); code != 1 || !strings.Contains(stderr, "2 different shares are needed") {
			t.Fatalf("recover with one share: %d %q", code, stderr)
		}
		if code, stdout, stderr := cli(shares[0]+"\n\n"+shares[2]+"\n", recoverArgs...); code != 0 || !strings.Contains(stdout, "now open to manajer.satu") {
			t.Fatalf("recover with two shares: %d %q %q", code, stdout, stderr)
		}
		manager, err := m.Users.Authenticate(context.Background(), "manajer.satu", "tubruk pasar sapi kabut")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := m.Reports.FindReport(context.Background(), manager, r.ID); err != nil || got.Content.Narrative != "cerita" {
			t.Fatalf("after escrow recovery: %v", err)
		}

		if code, stdout, _ := cli("", "audit", "verify"); code != 0 || !strings.Contains(stdout, "intact") {
			t.Fatalf("audit verify on an honest log: %d %q", code, stdout)
		}
		err = m.DB.Update(context.Background(), func(tx *sqldb.Tx) error {
			stmts := []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3`}
			if tx.Dialect() == sqldb.Postgres {
				stmts[0] = `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`
			}
			for _, q := range stmts {
				if _, err := tx.Exec(context.Background(), q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := cli("", "audit", "verify"); code != 1 || !strings.Contains(stderr, "audit entry 3 has been altered") || len(errorLines(stderr)) != 1 {
			t.Fatalf("audit verify on an altered log: %d %q", code, stderr)
		}

		if code, stdout, _ := cli("", "keys", "rotate", "--purpose", "pepper"); code != 0 || !strings.Contains(stdout, "version 2") {
			t.Fatalf("keys rotate: %d %q", code, stdout)
		}
		if code, _, stderr := cli("", "keys", "rotate", "--purpose", "everything"); code != 2 || !strings.Contains(stderr, "unknown key purpose") {
			t.Fatalf("keys rotate with a bad purpose: %d %q", code, stderr)
		}
	})
}

func TestDemoAndBench(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		base := append([]string{"--data", t.TempDir()}, dbArgs(dbURL)...)
		env := map[string]string{"SPIKER_AUTO_MIGRATE": "true"}
		code, stdout, stderr := runCLI(t, "", env, append([]string{"demo", "--reports", "60", "--case-every", "3"}, base...)...)
		if code != 0 || !strings.Contains(stdout, "Generated 60 reports and 20 cases") {
			t.Fatalf("demo: %d %q %q", code, stdout, stderr)
		}
		code, stdout, stderr = runCLI(t, "", env, append([]string{"bench", "--iterations", "5"}, base...)...)
		if code != 0 || !strings.Contains(stdout, "60 reports, 20 cases") || !strings.Contains(stdout, "case view (decrypt)") {
			t.Fatalf("bench: %d %q %q", code, stdout, stderr)
		}
		// --only narrows the reads to those named.
		code, stdout, stderr = runCLI(t, "", env, append([]string{"bench", "--iterations", "2", "--only", "monthly"}, base...)...)
		if code != 0 || !strings.Contains(stdout, "monthly report") || strings.Contains(stdout, "case view") {
			t.Fatalf("bench --only monthly: %d %q %q", code, stdout, stderr)
		}
	})
}

// storeUsers is the store's user service, for the tests that set up
// accounts directly (no such path exists for a person).
func storeUsers(m *Main) store.UserService { return store.UserService{Store: m.Store} }
