package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A PostgreSQL primary and its synchronous streaming standby, started by a
// test from the server binaries (Debian's postgresql package), in a
// directory of their own, on free ports.

// failoverEnv, set by CI, makes missing PostgreSQL server binaries fail the
// failover test instead of skipping it.
const failoverEnv = "SPIKER_TEST_FAILOVER"

// pgBinDir returns the directory of the newest PostgreSQL server binaries,
// skipping the test (or failing it, under failoverEnv) without them.
func pgBinDir(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if dir := os.Getenv("SPIKER_PG_BIN"); dir != "" {
		found, _ = filepath.Glob(filepath.Join(dir, "postgres"))
	}
	sort.Slice(found, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[i]))))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[j]))))
		return a > b
	})
	if len(found) == 0 {
		if os.Getenv(failoverEnv) != "" {
			t.Fatalf("%s is set but no PostgreSQL server binaries were found (/usr/lib/postgresql/*/bin/postgres or SPIKER_PG_BIN): install Debian's postgresql package", failoverEnv)
		}
		t.Skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/postgres); CI installs them")
	}
	return filepath.Dir(found[0])
}

// pgCluster is a primary and a standby.
type pgCluster struct {
	t                *testing.T
	bin, dir         string
	cred             *syscall.Credential // the postgres user when the test runs as root
	primary, standby *pgServer
}

type pgServer struct {
	name, data string
	port       int
	cmd        *exec.Cmd
	exited     chan struct{}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newPGCluster initialises a primary that waits for one synchronous
// standby, takes the standby's base backup from it, starts both and waits
// until the standby is streaming as synchronous.
func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	c := &pgCluster{t: t, bin: pgBinDir(t)}
	dir, err := os.MkdirTemp("", "spiker-failover-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		c.kill(c.primary)
		c.kill(c.standby)
		os.RemoveAll(dir)
	})
	// PostgreSQL refuses to run as root: run it as the postgres user.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, the PostgreSQL servers need the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		os.Chmod(dir, 0o755)
		os.Chown(dir, uid, gid)
	}
	c.primary = &pgServer{name: "primary", data: filepath.Join(dir, "primary"), port: freePort(t)}
	c.standby = &pgServer{name: "standby", data: filepath.Join(dir, "standby"), port: freePort(t)}

	c.run("initdb", "-D", c.primary.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	// initdb's pg_hba.conf trusts replication from 127.0.0.1 with --auth=trust.
	// fsync is off because the test kills processes, not the machine: what
	// a killed server wrote stays in the operating system's cache, and what
	// is tested is that a commit waits for the standby.
	c.conf(c.primary, `wal_level = replica
max_wal_senders = 4
synchronous_standby_names = '*'
synchronous_commit = on
fsync = off
max_connections = 100
shared_buffers = 16MB
`)
	c.start(c.primary)
	c.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.primary.port), "-U", "postgres",
		"-D", c.standby.data, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	// Promoted, the standby has no standby of its own to wait for: an
	// office attaches a new one (and sets this back), which the test does
	// not need.
	c.conf(c.standby, "synchronous_standby_names = ''\n")
	c.start(c.standby)

	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		conn, err := pgx.Connect(ctx, c.url(c.primary, "postgres"))
		if err == nil {
			err = conn.QueryRow(ctx, `SELECT sync_state FROM pg_stat_replication`).Scan(&state)
			conn.Close(ctx)
		}
		if state == "sync" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby is not a synchronous standby after 30 s: %q %v\n%s", state, err, c.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	conn, err := pgx.Connect(ctx, c.url(c.primary, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE spiker`); err != nil {
		t.Fatal(err)
	}
	return c
}

// conf adds settings to a server's postgresql.conf, with its port and
// socket directory.
func (c *pgCluster) conf(s *pgServer, settings string) {
	c.t.Helper()
	f, err := os.OpenFile(filepath.Join(s.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n%s", s.port, c.dir, settings)
}

// command prepares a PostgreSQL program, as the postgres user when the
// test runs as root, in a process group of its own.
func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	return cmd
}

func (c *pgCluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// start runs a server's postmaster as a child of the test, logging to a
// file, and waits until it accepts connections.
func (c *pgCluster) start(s *pgServer) {
	c.t.Helper()
	log, err := os.Create(filepath.Join(c.dir, s.name+".log"))
	if err != nil {
		c.t.Fatal(err)
	}
	s.cmd = c.command("postgres", "-D", s.data)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); log.Close(); close(s.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), c.url(s, "postgres"))
		if err == nil {
			conn.Close(context.Background())
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the %s does not start: %v\n%s", s.name, err, c.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends a server and every backend of it at once, as a machine's
// failure does.
func (c *pgCluster) kill(s *pgServer) {
	if s != nil && s.cmd != nil && s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
		}
	}
}

// holdWAL stops the primary's WAL sender process (SIGSTOP): the standby
// receives nothing more, as when its network link stalls. A synchronous
// primary's commits then wait; an asynchronous one's go on without it.
func (c *pgCluster) holdWAL() {
	c.t.Helper()
	conn, err := pgx.Connect(context.Background(), c.url(c.primary, "postgres"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var pid int
	if err := conn.QueryRow(context.Background(), `SELECT pid FROM pg_stat_replication`).Scan(&pid); err != nil {
		c.t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		c.t.Fatal(err)
	}
}

// promote makes the standby the primary and waits until it takes writes.
func (c *pgCluster) promote() {
	c.t.Helper()
	c.run("pg_ctl", "promote", "-w", "-D", c.standby.data)
}

func (c *pgCluster) url(s *pgServer, db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// multiHostURL names both servers, as the nodes are configured.
func (c *pgCluster) multiHostURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/spiker?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		c.primary.port, c.standby.port)
}

// logs returns the servers' logs, for a failure's message.
func (c *pgCluster) logs() string {
	var out string
	for _, name := range []string{"primary", "standby"} {
		b, _ := os.ReadFile(filepath.Join(c.dir, name+".log"))
		out += "--- " + name + ".log\n" + string(b)
	}
	return out
}
