package main

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// The console and the back office's form make accounts through the same
// service: what one refuses, the other refuses with the same code.
func TestUserAddConsoleAndWebAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		m, _ := startMain(t, t.TempDir(), dbURL)
		adminSecret := addStaffWithTOTP(t, m, "admin.it", spiker.RoleAdmin, "35.24")
		admin := signInStaff(t, m, "admin.it", adminSecret, time.Now())
		webStatus := map[string]int{spiker.EFORBIDDEN: 403, spiker.EINVALID: 422}
		for _, tc := range []struct{ name, role, region, code, want string }{
			{"outside the regency", "konselor_piket", "35.25", spiker.EFORBIDDEN, `region "35.25" is not inside 35.24`},
			{"unknown role", "kepala", "35.24.22", spiker.EINVALID, `unknown role "kepala"`},
		} {
			var stdout, stderr bytes.Buffer
			cio := cmdIO{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, env: func(string) string { return "" }}
			args := append([]string{"--data", m.Config.DataDir, "--username", "budi.santoso", "--role", tc.role, "--region", tc.region}, dbArgs(m.Config.DB)...)
			err := runUserAdd(ctx, cio, args)
			if spiker.ErrorCode(err) != tc.code || err.Error() != spiker.ErrorMessage(err) || !strings.Contains(err.Error(), tc.want) || stdout.Len() != 0 {
				t.Errorf("console, %s: %v (code %s), stdout %q; want %s and %q", tc.name, err, spiker.ErrorCode(err), stdout.String(), tc.code, tc.want)
			}
			resp, page := admin.p.post("/staf/pengguna", url.Values{"csrf": {admin.csrf}, "username": {"budi.santoso"},
				"roles": {tc.role}, "region": {tc.region}}, nil)
			if resp.StatusCode != webStatus[tc.code] {
				t.Errorf("web, %s: %d, want %d (%s) %.400s", tc.name, resp.StatusCode, webStatus[tc.code], tc.code, page)
			}
		}
		if _, err := m.Users.FindUserByUsername(ctx, "budi.santoso"); spiker.ErrorCode(err) != spiker.ENOTFOUND {
			t.Fatalf("a refused account exists: %v", err)
		}
	})
}
