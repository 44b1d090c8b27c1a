package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/vault"
)

// runEscrow: `spiker escrow init` prints the three shares once;
// `spiker escrow recover` reads two shares from standard input and re-grants
// a record (or admits to a group) for a named user, with a reason sealed to the supervisors.
func runEscrow(ctx context.Context, cio cmdIO, args []string) error {
	if len(args) == 0 || args[0] != "init" && args[0] != "recover" {
		return fmt.Errorf("%w: use `spiker escrow init --holders \"A; B; C\"` or `spiker escrow recover (--report ID | --case ID | --group NAME) --user NAME --reason TEXT`", errUsage)
	}
	if args[0] == "init" {
		var holders string
		m, err := newMain(cio, "escrow init", args[1:], false, func(fs *flag.FlagSet) {
			fs.StringVar(&holders, "holders", "", "the three share holders, separated by ';' (required)")
		})
		if err != nil {
			return err
		}
		names := strings.Split(holders, ";")
		for i := range names {
			names[i] = strings.TrimSpace(names[i])
		}
		if err := m.Open(ctx); err != nil {
			return err
		}
		defer m.Close()
		shares, err := m.Store.InitEscrow(ctx, names)
		if err != nil {
			return errors.New(spiker.ErrorMessage(err))
		}
		fmt.Fprintf(cio.stderr, "The escrow is set up. Print each share below and give it to its holder, sealed; it is shown only now.\n"+
			"Any %d of the %d shares together can recover a record; one alone reveals nothing.\n", store.EscrowThreshold, store.EscrowHolders)
		for i, sh := range shares {
			fmt.Fprintf(cio.stdout, "%s\n%s\n\n", names[i], sh)
		}
		return nil
	}
	var t store.EscrowTarget
	var report, kase, group string
	m, err := newMain(cio, "escrow recover", args[1:], false, func(fs *flag.FlagSet) {
		fs.StringVar(&report, "report", "", "report id to re-grant")
		fs.StringVar(&kase, "case", "", "case id to re-grant")
		fs.StringVar(&group, "group", "", "holder group to admit the user to: intake or supervisors")
		fs.StringVar(&t.Username, "user", "", "the user who receives access (required)")
		fs.StringVar(&t.Reason, "reason", "", "why, for the audit log (required)")
	})
	if err != nil {
		return err
	}
	switch {
	case report != "" && kase == "" && group == "":
		t.Kind, t.ID = "report", report
	case kase != "" && report == "" && group == "":
		t.Kind, t.ID = "case", kase
	case group != "" && report == "" && kase == "":
		t.Kind, t.ID = "group", group
	default:
		return fmt.Errorf("%w: give exactly one of --report, --case or --group", errUsage)
	}
	if t.Username == "" || strings.TrimSpace(t.Reason) == "" {
		return fmt.Errorf("%w: --user and --reason are required", errUsage)
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintf(cio.stderr, "Enter %d escrow shares, one per line:\n", store.EscrowThreshold)
	shares, err := readShares(cio.stdin, store.EscrowThreshold)
	if err != nil {
		return err
	}
	if err := m.Store.RecoverWithEscrow(ctx, shares, t); err != nil {
		return errors.New(spiker.ErrorMessage(err))
	}
	fmt.Fprintf(cio.stdout, "%s %s is now open to %s. The recovery is in the audit log.\n", t.Kind, t.ID, t.Username)
	return nil
}

// readShares reads up to n non-empty lines.
func readShares(r io.Reader, n int) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	for len(out) < n && sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

func runKeys(ctx context.Context, cio cmdIO, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%w: use `spiker keys rotate --purpose PURPOSE`", errUsage)
	}
	var purpose string
	var names []string
	for _, p := range vault.Purposes() {
		names = append(names, string(p))
	}
	m, err := newMain(cio, "keys rotate", args[1:], false, func(fs *flag.FlagSet) {
		fs.StringVar(&purpose, "purpose", "", "which key: "+strings.Join(names, ", ")+" (required)")
	})
	if err != nil {
		return err
	}
	if err := prepareDataDir(m.Config.DataDir, m.Logger); err != nil {
		return err
	}
	secrets, _, err := vault.LoadOrCreateSecrets(m.Config.SecretPath(), spiker.NewClock(m.Config.Clock, nil).Now())
	if err != nil {
		return err
	}
	kv, err := secrets.Rotate(vault.Purpose(purpose), spiker.NewClock(m.Config.Clock, nil).Now())
	if err != nil {
		return fmt.Errorf("%w: %v; use one of: %s", errUsage, err, strings.Join(names, ", "))
	}
	fmt.Fprintf(cio.stdout, "The %s key is now at version %d; older versions stay in %s so nothing becomes unreadable.\n"+
		"Copy the file to every spiker node and restart them.\n", purpose, kv.ID, secrets.Path())
	return nil
}
