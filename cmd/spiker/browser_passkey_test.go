package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// Passkeys in Chromium, with a virtual authenticator of the DevTools
// WebAuthn domain (a platform authenticator that verifies its user): a
// counsellor registers one on the account page, signs in with the password
// and the passkey instead of a code; with "wajib passkey" on, the code is
// refused and the last passkey cannot be removed; a copied passkey (its
// counter gone back), a look-alike origin and a removed passkey fail.

// virtualAuthenticator switches on the WebAuthn domain in the tab and adds
// a CTAP2 platform authenticator whose user is verified.
func (b *browser) virtualAuthenticator() webauthn.AuthenticatorID {
	b.t.Helper()
	var id webauthn.AuthenticatorID
	b.do("adding a virtual authenticator", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		if err != nil {
			return err
		}
		id = res.AuthenticatorID
		return nil
	}))
	return id
}

// passkeySignIn fills in the name and password and chooses "sign in with a
// passkey"; it returns the HTTP status of the page it leads to.
func (b *browser) passkeySignIn(name string) int64 {
	b.t.Helper()
	b.fillSignIn(name)
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.ID("passkey-signin-button")))
	if err != nil || resp == nil {
		b.t.Fatalf("passkey sign-in of %s loaded no page: %v (%s)", name, err, b.passkeyError())
	}
	return resp.Status
}

// passkeySignInFails chooses "sign in with a passkey" where it cannot
// work, and returns the error the page shows instead.
func (b *browser) passkeySignInFails(name string) string {
	b.t.Helper()
	b.fillSignIn(name)
	b.do("signing in with a passkey", chromedp.Click(chromedp.ID("passkey-signin-button")))
	e := b.passkeyError()
	if e == "" {
		b.t.Fatalf("no error shown: at %s: %.300s", b.location(), b.bodyText())
	}
	return e
}

func (b *browser) fillSignIn(name string) {
	b.t.Helper()
	if status := b.open("/staf/masuk"); status != 200 {
		b.t.Fatalf("sign-in page: HTTP %d", status)
	}
	b.do("filling in the sign-in form", insertText("#username", name), insertText("#password", staffPassword))
}

// passkeyError is the error the page's script shows, if any.
func (b *browser) passkeyError() string {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e := eval[string](b, `(() => { const e = document.getElementById("passkey-error"); return e && !e.hidden ? e.innerText : "" })()`)
		if e != "" || time.Now().After(deadline) {
			return e
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) who() string {
	return eval[string](b, `(document.querySelector(".bar .who") || {}).innerText || ""`)
}

func auditActions(t *testing.T, m *Main) string {
	t.Helper()
	var out []string
	err := m.DB.View(context.Background(), func(tx *sqldb.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT action, actor, reason FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, who, r string
			if err := rows.Scan(&a, &who, &r); err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%s %s %s", a, who, r))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

func TestBrowserPasskey(t *testing.T) {
	axe := axeSource(t)
	b := startBrowser(t)
	_, port, _ := net.SplitHostPort(b.m.StaffAddr())
	// WebAuthn needs a domain (not an IP address): the back office as
	// http://localhost, a secure context, whose passkeys are bound to it.
	loopback := b.base
	b.base = "http://localhost:" + port
	var secret, adminSecret string
	await(t, async(t, newStaff(t, b.m, "konselor.pk", spiker.RoleKonselorPiket, &secret, nil)),
		async(t, newStaff(t, b.m, "admin.pk", spiker.RoleAdmin, &adminSecret, nil)))
	officer, admin := b.person(), b.person()
	await(t, async(t, officer.signIn("konselor.pk", secret, time.Now())), async(t, admin.signIn("admin.pk", adminSecret, time.Now())))
	authenticator := officer.virtualAuthenticator()

	// Registering a passkey on the account page.
	if status := officer.open("/staf/akun"); status != 200 {
		t.Fatalf("account page: HTTP %d", status)
	}
	officer.do("naming the passkey", insertText("#pk-name", "Laptop kantor"))
	if status := officer.submit("registering a passkey", "#passkey-add"); status != 200 {
		t.Fatalf("registering: HTTP %d: %.400s", status, officer.bodyText())
	}
	if text := officer.bodyText(); !strings.Contains(text, "Passkey sudah didaftarkan") || !strings.Contains(text, "Laptop kantor") {
		t.Fatalf("after registering: %.1200s", text)
	}
	officer.do("renaming the passkey", chromedp.Click(chromedp.CSS(".passkeys summary")), chromedp.Evaluate[chromedp.Void](`document.querySelector(".passkeys input[name=name]").select()`),
		insertText(".passkeys input[name=name]", "Laptop meja depan"))
	if status := officer.submit("renaming the passkey", `form[action^="/staf/akun/passkey/nama"] button`); status != 200 ||
		eval[string](officer, `document.querySelector(".passkeys .pk-name").innerText`) != "Laptop meja depan" {
		t.Fatalf("renaming: HTTP %d: %.300s", status, officer.bodyText())
	}
	officer.checkAxe("account page with a passkey", axe)
	officer.screenshotAccount(t)

	// Signing out, then in with the password and the passkey: no code.
	signOut := func(p *browser) {
		t.Helper()
		if status := p.submit("signing out", `form[action="/staf/keluar"] button`); status != 200 {
			t.Fatalf("signing out: HTTP %d", status)
		}
	}
	signOut(officer)
	if status := officer.passkeySignIn("konselor.pk"); status != 200 || officer.path() != "/staf/" || !strings.HasPrefix(officer.who(), "konselor.pk ") {
		t.Fatalf("passkey sign-in: HTTP %d at %s: %.300s", status, officer.location(), officer.bodyText())
	}
	if trail := auditActions(t, b.m); !strings.Contains(trail, "user.passkey_register konselor.pk") || !strings.Contains(trail, "user.signin konselor.pk passkey") {
		t.Fatalf("audit log: %s", trail)
	}

	// The admin requires passkeys of counsellors.
	if status := admin.open("/staf/pengaturan"); status != 200 {
		t.Fatalf("settings: HTTP %d", status)
	}
	admin.do("requiring passkeys of counsellors", chromedp.Click(chromedp.CSS(`input[name=role][value=konselor_piket]`)))
	if status := admin.submit("saving the passkey policy", `form[action="/staf/pengaturan/passkey"] button`); status != 200 {
		t.Fatalf("saving the policy: HTTP %d", status)
	}
	if !eval[bool](admin, `document.querySelector("input[name=role][value=konselor_piket]").checked`) {
		t.Fatal("the policy did not stick")
	}
	admin.checkAxe("settings page with the passkey policy", axe)

	// Now a TOTP code is refused for the counsellor, with a clear reason.
	signOut(officer)
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	officer.open("/staf/masuk")
	officer.do("signing in with a code", insertText("#username", "konselor.pk"), insertText("#password", staffPassword), chromedp.SendKeys(chromedp.ID("code"), code))
	if status := officer.submit("signing in with a code", `form[action="/staf/masuk"] button[type=submit]`); status != 401 ||
		!strings.Contains(officer.bodyText(), "Kantor mewajibkan passkey") {
		t.Fatalf("a code with passkeys required: HTTP %d: %.300s", status, officer.bodyText())
	}
	if !eval[bool](officer, `!document.getElementById("passkey-signin").hidden`) {
		t.Fatal("the sign-in page offers no passkey")
	}
	officer.checkAxe("sign-in page refusing a code", axe)
	// The passkey still signs in; the last one cannot be removed.
	if status := officer.passkeySignIn("konselor.pk"); status != 200 || officer.path() != "/staf/" {
		t.Fatalf("passkey sign-in with passkeys required: HTTP %d at %s", status, officer.location())
	}
	officer.open("/staf/akun")
	officer.do("removing the last passkey", chromedp.Click(chromedp.CSS(".passkeys summary")), insertText(".passkeys input[name=password]", staffPassword))
	if status := officer.submit("removing the last passkey", `form[action^="/staf/akun/passkey/hapus"] button`); status != 422 ||
		!strings.Contains(officer.bodyText(), "daftarkan passkey lain dulu") {
		t.Fatalf("removing the last required passkey: HTTP %d: %.300s", status, officer.bodyText())
	}
	signOut(officer)

	// A copy of the passkey whose counter is behind is refused, and audited.
	officer.do("rewinding the passkey's counter", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		creds, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: authenticator})
		if err != nil || len(creds.Credentials) != 1 {
			return fmt.Errorf("credentials: %v %v", creds, err)
		}
		c := creds.Credentials[0]
		if _, err := cdp.Call(ctx, tg, webauthn.RemoveCredential, webauthn.RemoveCredentialParams{AuthenticatorID: authenticator, CredentialID: c.CredentialID}); err != nil {
			return err
		}
		// The same key with its counter back at 0 (without the CMTG fields,
		// which this authenticator refuses even when false).
		type credential struct {
			CredentialID         []byte  `json:"credentialId"`
			IsResidentCredential bool    `json:"isResidentCredential"`
			RpID                 string  `json:"rpId"`
			PrivateKey           []byte  `json:"privateKey"`
			UserHandle           []byte  `json:"userHandle"`
			SignCount            float64 `json:"signCount"`
		}
		type params struct {
			AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
			Credential      credential               `json:"credential"`
		}
		add := cdp.Command[params, cdp.Empty]{Method: webauthn.CommandAddCredential}
		_, err = cdp.Call(ctx, tg, add, params{authenticator, credential{c.CredentialID, c.IsResidentCredential, c.RpID, c.PrivateKey, c.UserHandle, 0}})
		return err
	}))
	if status := officer.passkeySignIn("konselor.pk"); status != 401 || officer.path() != "/staf/masuk/passkey" {
		t.Fatalf("a copied passkey: HTTP %d at %s", status, officer.location())
	}
	if trail := auditActions(t, b.m); !strings.Contains(trail, "user.passkey_regression konselor.pk") {
		t.Fatalf("the regression is not audited: %s", trail)
	}

	// A look-alike origin (the same server by its IP address) cannot use
	// the passkey bound to the office's address.
	b.m.Web.PasskeyURL = b.base
	phishing := *officer
	phishing.base = loopback
	phishing.passkeySignInFails("konselor.pk")
	if phishing.path() != "/staf/masuk" {
		t.Fatalf("passkey from another origin: at %s", phishing.location())
	}

	// With the policy off the code works again; the passkey is removed
	// with the password, and then fails.
	admin.do("requiring passkeys of nobody", chromedp.Click(chromedp.CSS(`input[name=role][value=konselor_piket]`)))
	if status := admin.submit("saving the passkey policy", `form[action="/staf/pengaturan/passkey"] button`); status != 200 {
		t.Fatalf("saving the policy: HTTP %d", status)
	}
	if err := officer.signIn("konselor.pk", secret, time.Now().Add(30*time.Second))(); err != nil {
		t.Fatal(err)
	}
	officer.open("/staf/akun")
	officer.do("removing the passkey", chromedp.Click(chromedp.CSS(".passkeys summary")), insertText(".passkeys input[name=password]", staffPassword))
	if status := officer.submit("removing the passkey", `form[action^="/staf/akun/passkey/hapus"] button`); status != 200 ||
		!strings.Contains(officer.bodyText(), "Passkey sudah dihapus") {
		t.Fatalf("removing the passkey: HTTP %d: %.300s", status, officer.bodyText())
	}
	signOut(officer)
	if e := officer.passkeySignInFails("konselor.pk"); !strings.Contains(e, "belum punya passkey") {
		t.Fatalf("a removed passkey: %s", e)
	}
	trail := auditActions(t, b.m)
	for _, want := range []string{"settings.passkey admin.pk required of: konselor_piket", "user.signin_totp_refused konselor.pk", "user.passkey_remove konselor.pk"} {
		if !strings.Contains(trail, want) {
			t.Errorf("no %q in the audit log", want)
		}
	}
}

// screenshotAccount saves the account page with a passkey at phone size
// (SPIKER_SCREENSHOTS names the directory; unset, none is taken).
func (b *browser) screenshotAccount(t *testing.T) {
	dir := os.Getenv("SPIKER_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"laptop", 1366, 900}} {
		// The page as it opens after registering: at its passkey section.
		b.do("resizing", chromedp.EmulateViewport(size.w, size.h), chromedp.Evaluate[chromedp.Void](`document.getElementById("passkey").scrollIntoView()`))
		img, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "account-passkey-"+size.name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// And with a passkey's rename and remove forms open.
	b.do("opening the passkey's forms", chromedp.EmulateViewport(390, 844), chromedp.Evaluate[chromedp.Void](`document.querySelector(".passkeys details").open = true;
		document.querySelector(".passkeys").scrollIntoView()`))
	img, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "account-passkey-manage-phone.png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("back to the test's size", chromedp.EmulateViewport(1000, 4200), chromedp.Evaluate[chromedp.Void](`document.querySelector(".passkeys details").open = false`))
}
