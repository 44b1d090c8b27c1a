package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/vault"
)

// runBackup copies the live SQLite database into one file, safe while the
// instance serves. The secret file is not in it, on purpose.
func runBackup(ctx context.Context, cio cmdIO, args []string) error {
	var out, recipientList string
	m, err := newMain(cio, "backup", args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "the backup file to write (must not exist)")
		fs.StringVar(&recipientList, "age-recipient", "", "age public keys (age1...; several separated by commas) to encrypt the copy to, e.g. to send it off-site")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("%w: use `spiker backup --out FILE`", errUsage)
	}
	if m.Config.DB != "" {
		return errors.New("this instance uses PostgreSQL: back it up with pg_dump (or continuous archiving), as the README's operations chapter shows")
	}
	recipients, err := parseAgeRecipients(recipientList)
	if err != nil {
		return fmt.Errorf("--age-recipient: %w", err)
	}
	db, err := sqldb.Open(ctx, m.Config.DatabaseURL())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	encrypted := ""
	if len(recipients) > 0 {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%s already exists; choose a new file name", out)
		}
		if err := encryptedBackup(ctx, db, m.Config.DataDir, out, recipients); err != nil {
			os.Remove(out) // checked absent above: a half-written copy is ours
			return err
		}
		encrypted = ", encrypted to the age key; restore it with --identity"
	} else if err := db.Backup(ctx, out); err != nil {
		return err
	}
	fi, _ := os.Stat(out)
	fmt.Fprintf(cio.stdout, "Backed up the database to %s (%d bytes%s). It holds no key: keep the secret file %s backed up elsewhere.\n",
		out, fi.Size(), encrypted, m.Config.SecretPath())
	return nil
}

// runRestore puts a backup in place as the database of a stopped
// instance's data directory, after checking that it opens, has this
// program's schema and an intact audit log; it refuses to overwrite a
// database without --force.
func runRestore(ctx context.Context, cio cmdIO, args []string) error {
	var from, identity string
	var force bool
	m, err := newMain(cio, "restore", args, false, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup file to restore")
		fs.BoolVar(&force, "force", false, "replace an existing database")
		fs.StringVar(&identity, "identity", "", "the age identity file (from age-keygen) of a backup encrypted to its public key")
	})
	if err != nil {
		return err
	}
	if from == "" {
		return fmt.Errorf("%w: use `spiker restore --from FILE [--identity KEYFILE] [--force]` on a stopped instance", errUsage)
	}
	if m.Config.DB != "" {
		return errors.New("this instance uses PostgreSQL: restore with pg_restore or psql, as the README's operations chapter shows")
	}
	if err := prepareDataDir(m.Config.DataDir, m.Logger); err != nil {
		return err
	}
	target := filepath.Join(m.Config.DataDir, "spiker.db")
	if _, err := os.Stat(target); err == nil && !force {
		return fmt.Errorf("%s already holds a database; stop the instance and add --force to replace it", target)
	}
	// Work on a copy, so that checking it changes neither the backup nor,
	// if it fails, the current database.
	tmp := filepath.Join(m.Config.DataDir, ".restore.db")
	os.Remove(tmp)
	if err := copyBackup(from, tmp, identity); err != nil {
		return err
	}
	defer func() {
		for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			os.Remove(f)
		}
	}()
	db, err := sqldb.Open(ctx, "sqlite:"+tmp)
	if err != nil {
		return fmt.Errorf("the backup does not open as a database: %w", err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return fmt.Errorf("the backup is not usable by this program: %w", err)
	}
	secrets, _, err := vault.LoadOrCreateSecrets(m.Config.SecretPath(), spiker.NewClock(m.Config.Clock, nil).Now())
	if err != nil {
		db.Close()
		return err
	}
	n, err := store.New(db, secrets).Services().Audit.VerifyAudit(ctx)
	db.Close()
	if err != nil {
		return fmt.Errorf("the backup's audit log does not verify with this secret file (is it the instance's own?): %v", err)
	}
	for _, f := range []string{target + "-wal", target + "-shm"} {
		os.Remove(f)
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	fmt.Fprintf(cio.stdout, "Restored %s into %s; the audit log is intact (%d entries). Start the instance.\n", from, target, n)
	return nil
}

// ageHeader begins every age-encrypted file.
const ageHeader = "age-encryption.org/v1\n"

// copyBackup copies a backup to a new file to, decrypting it with the age
// identity file when it is encrypted (told by its header).
func copyBackup(from, to, identity string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("cannot read the backup: %v", errReason(err))
	}
	defer in.Close()
	br := bufio.NewReader(in)
	var src io.Reader = br
	if head, _ := br.Peek(len(ageHeader)); string(head) == ageHeader {
		if identity == "" {
			return errors.New("the backup is encrypted with age: add --identity KEYFILE, the identity file made with age-keygen whose public key the backups were encrypted to")
		}
		ids, err := readIdentities(identity)
		if err != nil {
			return err
		}
		if src, err = age.Decrypt(br, ids...); err != nil {
			var miss *age.NoIdentityMatchError
			if errors.As(err, &miss) {
				return fmt.Errorf("the identity in %s does not open this backup: it was encrypted to another age public key", identity)
			}
			return fmt.Errorf("the backup does not decrypt (damaged or not a backup): %v", err)
		}
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return fmt.Errorf("copying the backup: %v", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// readIdentities reads an age identity file, as age-keygen writes it.
func readIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the identity file: %v", errReason(err))
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not an age identity file (AGE-SECRET-KEY-1...): %v", path, err)
	}
	return ids, nil
}
