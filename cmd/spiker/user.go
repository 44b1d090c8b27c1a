package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/spikerperak/spiker"
)

func runUser(ctx context.Context, cio cmdIO, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("%w: use `spiker user add --username NAME --role ROLE [--region CODE] [--agency ID]`", errUsage)
	}
	return runUserAdd(ctx, cio, args[1:])
}

// runUserAdd creates a staff account without a password and prints its
// one-time enrolment link on standard output: the person who opens it
// chooses their own password and sets up their authenticator there, and
// only then is admitted to their group (the first member of a group at
// once). Nobody types the password on the console.
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
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	// The back office's form and this command make accounts through the
	// same service, which checks everything sent: here only the flags.
	u := &spiker.User{Username: username, RegionCode: region, AgencyID: agency}
	for _, r := range strings.Split(roles, ",") {
		u.Roles = append(u.Roles, spiker.Role(strings.TrimSpace(r)))
	}
	token, err := m.Users.AddUser(ctx, consoleAdmin(m), u)
	if err != nil {
		return consoleError{err}
	}
	addr := m.Config.StaffAddr
	if addr == "" {
		addr = m.Config.Addr
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	fmt.Fprintf(cio.stderr, "Created user %s (%s) in region %s, without a password. Give its owner this one-time link in person (it works once, for 7 days, on the back office address): they choose their own password and set up their authenticator app there.\n",
		u.Username, roles, u.RegionCode)
	fmt.Fprintf(cio.stderr, "Until then %s cannot sign in; a case-reading role is admitted to its group's key after enrolment (the first member at once, later ones by a member or the escrow).\n", u.Username)
	fmt.Fprintf(cio.stdout, "http://%s/staf/daftar?t=%s\n", addr, token)
	return nil
}

// consoleAdmin is the console acting as the installation's administrator:
// it manages accounts and holds no key.
func consoleAdmin(m *Main) *spiker.Actor {
	return &spiker.Actor{UserID: -1, Username: "system", Roles: []spiker.Role{spiker.RoleAdmin}, RegionCode: m.Config.Region}
}

// consoleError prints a service's refusal as its message alone, keeping
// the error (and its code) in the chain.
type consoleError struct{ err error }

func (e consoleError) Error() string { return spiker.ErrorMessage(e.err) }
func (e consoleError) Unwrap() error { return e.err }

func roleNames() []string {
	var out []string
	for _, r := range spiker.Roles {
		out = append(out, string(r))
	}
	return out
}
