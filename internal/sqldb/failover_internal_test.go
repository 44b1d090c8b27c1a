package sqldb

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// What counts as a lost server, on the driver's real errors: a server that
// refuses connections or takes no writes does; one that refuses the
// database, a broken rule or a cancelled request does not.
func TestLostServer(t *testing.T) {
	base := os.Getenv("SPIKER_TEST_POSTGRES") // sqldbtest imports this package
	if base == "" {
		t.Skip("SPIKER_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, refused := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable", closed))

	u, _ := url.Parse(base)
	u.Path = "/no_such_database_here"
	_, noDB := pgx.Connect(ctx, u.String())

	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, readOnly := conn.Exec(ctx, `BEGIN READ ONLY; CREATE TEMP TABLE lost_server_probe (x int); COMMIT`)
	conn.Exec(ctx, `ROLLBACK`)
	_, syntax := conn.Exec(ctx, `SELEC 1`)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, canceled := conn.Exec(cancelled, `SELECT 1`)

	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"no such database", noDB, false},
		{"a read-only transaction's write", readOnly, true},
		{"a syntax error", syntax, false},
		{"a cancelled request", canceled, false},
		{"a mapped read-only error", MapError(readOnly), true},
	} {
		if c.err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		if got := lostServer(c.err); got != c.want {
			t.Errorf("%s (%v): lostServer = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
