package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/totp"
)

func runUser(ctx context.Context, cio cmdIO, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("%w: use `spiker user add --username NAME --role ROLE [--region CODE] [--agency ID]`", errUsage)
	}
	return runUserAdd(ctx, cio, args[1:])
}

// runUserAdd creates a staff account. The password is read from standard
// input (without echo on a terminal); the TOTP enrolment URI is printed on
// standard output for the user's authenticator app.
func runUserAdd(ctx context.Context, cio cmdIO, args []string) error {
	var username, roles, region, agency string
	m, err := newMain(cio, "user add", args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the new user's sign-in name (required)")
		fs.StringVar(&roles, "role", "", "role, or several separated by commas: "+strings.Join(roleNames(), ", ")+" (required)")
		fs.StringVar(&region, "region", "", "region scope: the regency (default), a kecamatan or a desa code inside it")
		fs.StringVar(&agency, "agency", "", "the partner agency's id, for the mitra role (listed on the back office's Partner agencies page)")
	})
	if err != nil {
		return err
	}
	if username == "" || roles == "" {
		return fmt.Errorf("%w: --username and --role are required", errUsage)
	}
	u := &spiker.User{Username: username, RegionCode: region, AgencyID: agency}
	for _, r := range strings.Split(roles, ",") {
		role, err := spiker.ParseRole(strings.TrimSpace(r))
		if err != nil {
			return errors.New(spiker.ErrorMessage(err))
		}
		u.Roles = append(u.Roles, role)
	}
	// Check what can be checked before asking for the password.
	u.PasswordHash = "-"
	if u.RegionCode == "" {
		u.RegionCode = m.Config.Region
	}
	if err := u.Validate(); err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	if _, err := m.Regions.Region(u.RegionCode); err != nil || !spiker.RegionContains(m.Config.Region, u.RegionCode) {
		return fmt.Errorf("region %q is not inside this installation's regency %s", u.RegionCode, m.Config.Region)
	}
	if _, err := m.Users.FindUserByUsername(ctx, u.Username); err == nil {
		return fmt.Errorf("username %q is already taken; choose another", u.Username)
	}
	pw, err := readPassword(cio)
	if err != nil {
		return err
	}
	if err := spiker.ValidatePassword(pw); err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	if err := spiker.CheckPasswordStrength(pw, u.Username); err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	m.Users.NewCredentials(u, pw)
	secret, uri, err := totp.Generate(u.Username)
	if err != nil {
		return err
	}
	u.TOTPSealed = totp.Seal(m.Secrets, u.Username, secret)
	if err := m.Users.CreateUser(ctx, u); err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	fmt.Fprintf(cio.stderr, "Created user %s (%s) in region %s. Add the line below to an authenticator app (or turn it into a QR code); sign-in needs its 6-digit codes.\n",
		u.Username, roles, u.RegionCode)
	if token, err := m.Users.NewEnrolment(ctx, u.ID); err == nil {
		fmt.Fprintf(cio.stderr, "Or give %s this one-time link (valid 7 days) on the back office address, e.g. http://%s/staf/daftar?t=%s — it shows the code as a QR code at the first sign-in.\n",
			u.Username, "127.0.0.1:8080", token)
	}
	if waiting, err := m.Store.WaitingForAccess(ctx, u); err == nil && waiting {
		fmt.Fprintf(cio.stderr, "%s waits for access to case data until a member of their group admits them in the back office (or through the escrow).\n", u.Username)
	}
	fmt.Fprintln(cio.stdout, uri)
	return nil
}

func roleNames() []string {
	var out []string
	for _, r := range spiker.Roles {
		out = append(out, string(r))
	}
	return out
}

// readPassword reads one line from stdin: without echo, and twice to
// confirm, when stdin is a terminal.
func readPassword(cio cmdIO) (string, error) {
	if f, ok := cio.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(cio.stderr, "Password (at least %d characters): ", spiker.MinPasswordLength)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cio.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(cio.stderr, "Repeat the password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cio.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ; try again")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(cio.stdin, 4096)).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input; pipe it in, e.g. `spiker user add ... < password.txt`")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
