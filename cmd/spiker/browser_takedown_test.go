package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
)

// TestBrowserCaseTakedown adds a KSBE takedown item in Chromium: a URL
// without its scheme is refused beside the form, with what was typed kept;
// then the item with an evidence file ticked is saved, its hash (computed
// by the server) is on the card, and a request to the ministry is
// recorded with its clock; the page passes axe with every form open.
func TestBrowserCaseTakedown(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	b := startBrowser(t)
	ctx := context.Background()
	var mSecret string
	await(t,
		async(t, netUser(t, b.m, "konselor.satu", spiker.RoleKonselorPiket, "35.24", "", nil)),
		async(t, netUser(t, b.m, "kepala.uptd", spiker.RoleSupervisor, "35.24", "", nil)),
		async(t, netUser(t, b.m, "manajer.satu", spiker.RoleManajerKasus, "35.24", "", &mSecret)),
		async(t, fileReport(b.m)),
	)
	signedIn := async(t, b.signIn("manajer.satu", mSecret, time.Now()))
	officer, sup, manager := netActor(t, b.m, "konselor.satu"), netActor(t, b.m, "kepala.uptd"), netActor(t, b.m, "manajer.satu")
	caseID, _ := netCase(t, b.m, officer, sup, "manajer.satu", "Penyebaran video intim.")
	evidence := []byte("\x89PNG tangkapan layar unggahan")
	if err := b.m.Cases.AddCaseFiles(ctx, manager, caseID, []spiker.Upload{{Name: "tangkapan-layar.png", Kind: "image/png", Data: evidence}}); err != nil {
		t.Fatal(err)
	}
	await(t, signedIn)

	casePath := "/staf/kasus/" + caseID
	if status := b.open(casePath); status != 200 {
		t.Fatalf("case page: HTTP %d", status)
	}
	const form = `form[action$="/ksbe#ksbe"]`
	fill := func(url string) {
		b.do("filling the takedown item", chromedp.Evaluate[chromedp.Void](`(() => {
			const f = [...document.querySelectorAll('`+form+`')].find(f => !f.querySelector('input[name=target]'));
			f.closest("details").open = true;
			f.querySelector('select[name=td_platform]').value = "telegram";
			f.querySelector('input[name=td_url]').value = `+"`"+url+"`"+`;
			f.querySelectorAll('input[name=td_files]').forEach(c => c.checked = true);
		})()`))
	}
	fill("t.me/kanal/123")
	// The browser's own URL check would stop the form: the server's is the
	// one under test.
	b.do("switching off the browser's check", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('`+form+`').forEach(f => f.noValidate = true)`))
	if status := b.submit("sending a URL without its scheme", form+`:not(:has(input[name=target])) button[type=submit]`); status != 422 {
		t.Fatalf("a URL without its scheme: HTTP %d", status)
	}
	if text := b.bodyText(); !strings.Contains(text, "Isi alamat lengkap yang diawali http:// atau https://.") {
		t.Fatal("no message beside the form")
	}
	if v := eval[string](b, `document.querySelector('`+form+` input[name=td_url]').value`); v != "t.me/kanal/123" {
		t.Fatalf("what was typed is lost: %q", v)
	}
	fill("https://t.me/kanal/123")
	if status := b.submit("saving the item", form+`:not(:has(input[name=target])) button[type=submit]`); status != 200 {
		t.Fatalf("saving: HTTP %d", status)
	}
	sum := sha256.Sum256(evidence)
	card := eval[string](b, `document.querySelector("section[aria-labelledby=ksbe] li.card").innerText`)
	if !strings.Contains(card, "https://t.me/kanal/123") || !strings.Contains(card, hex.EncodeToString(sum[:])) || !strings.Contains(card, "tangkapan-layar.png") {
		t.Fatalf("the card: %q", card)
	}

	b.do("filling the request", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.querySelector('form[action$="/ksbe/permintaan#ksbe"]');
		f.closest("details").open = true;
		f.querySelector('select[name=tr_to]').value = "kementerian";
		f.querySelector('input[name=tr_reference]').value = "AD-2026-0042";
	})()`))
	if status := b.submit("sending the request", `form[action$="/ksbe/permintaan#ksbe"] button[type=submit]`); status != 200 {
		t.Fatalf("the request: HTTP %d", status)
	}
	row := eval[string](b, `document.querySelector("section[aria-labelledby=ksbe] table tbody tr").innerText`)
	if !strings.Contains(row, "Kementerian (Komdigi)") || !strings.Contains(row, "AD-2026-0042") || !strings.Contains(row, "dalam batas") {
		t.Fatalf("the request row: %q", row)
	}
	b.checkAxe("case page with its takedown tracker", axe)
	b.do("showing the tracker", chromedp.Evaluate[chromedp.Void](`document.getElementById("ksbe").scrollIntoView()`))
	shotScreen(t, b, "case-takedown-laptop")
	b.do("opening every form", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`))
	b.checkAxe("case page with the takedown forms", axe)
}
