package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/spikerperak/spiker"
)

// noDigits fails if the page's text holds the receipt's 16 digits, in any
// grouping, or anything shaped like a receipt.
func (b *browser) noDigits(what, receipt string) {
	b.t.Helper()
	text := b.bodyText()
	digits := regexp.MustCompile(`\D`).ReplaceAllString(text, "")
	if strings.Contains(digits, strings.ReplaceAll(receipt, " ", "")) || digitsRE.MatchString(text) {
		b.t.Fatalf("%s: the receipt is shown: %.300s", what, text)
	}
}

// forward goes forward in the tab's history and returns where it arrives.
func (b *browser) forward() string {
	b.t.Helper()
	h, err := chromedp.Run(b.ctx, chromedp.NavigationEntries())
	if err != nil {
		b.t.Fatal(err)
	}
	if int(h.CurrentIndex)+1 >= len(h.Entries) {
		b.t.Fatalf("nothing to go forward to: entry %d of %d", h.CurrentIndex, len(h.Entries))
	}
	next := h.Entries[h.CurrentIndex+1]
	if _, err := chromedp.Call(b.ctx, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: next.ID}); err != nil {
		b.t.Fatalf("going forward: %v", err)
	}
	b.waitLocation(next.URL)
	return b.location()
}

// resubmit sends the report form again with the same token and answers,
// as the browser's "confirm form resubmission" does, and waits for the
// answer.
func (b *browser) resubmit(token string) {
	b.t.Helper()
	b.do("opening a portal page", chromedp.Navigate(b.base+"/tentang"))
	send := chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.createElement("form");
		f.method = "post"; f.action = "/"; f.enctype = "multipart/form-data";
		const add = (k, v) => { const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i); };
		add("token", ` + jsString(token) + `);
		for (const [k, v] of [["role", "korban"], ["types", "Fisik"], ["narrative", "` + browserNarrative + `"], ["danger", "tidak"],
			["kecamatan", "` + kecamatanCode + `"], ["desa", "` + desaCode + `"], ["contact", "tidak"], ["consent", "ya"]]) add(k, v);
		document.body.appendChild(f);
		f.submit();
	})()`)
	if _, err := chromedp.RunResponse(b.ctx, send); err != nil {
		b.t.Fatalf("resubmitting the form: %v", err)
	}
	b.waitLocation(b.base + "/tanda-terima")
}

// hideReceipt presses "I have written it down" on the receipt page and
// waits for the page that says the report was received.
func (b *browser) hideReceipt() {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(`form[action="/tanda-terima/selesai"] button`))); err != nil {
		b.t.Fatalf("hiding the number: %v", err)
	}
	b.waitLocation(b.base + "/tanda-terima")
	if !strings.Contains(b.bodyText(), receivedText) {
		b.t.Fatalf("after hiding the number: %.300s", b.bodyText())
	}
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// After a report and quick exit, and after the receipt's window, Back,
// Forward, reload and resubmitting the form never show the receipt.
func TestBrowserReceiptGoneAfterQuickExit(t *testing.T) {
	t.Parallel()
	clk := &movableClock{}
	b := startBrowser(t, func(c *Config) { c.Clock = clk.Now })
	b.do("opening the report form", chromedp.Navigate(b.base+"/tentang"), chromedp.Navigate(b.base+"/"))
	token := eval[string](b, `document.querySelector("input[name=token]").value`)
	b.fillReport(true)
	receipt := b.submitReport()
	b.do("reloading the receipt", chromedp.Reload())
	if !strings.Contains(regexp.MustCompile(`\D`).ReplaceAllString(b.bodyText(), ""), strings.ReplaceAll(receipt, " ", "")) {
		t.Fatalf("within the window, a reload of the submitting browser lost the receipt: %.300s", b.bodyText())
	}
	b.quickExit("quick exit from the receipt", chromedp.Click(chromedp.ID("keluar")))
	for _, u := range b.historyURLs() {
		if u == b.base+"/" || u == b.base+"/tanda-terima" {
			t.Fatalf("the form or the receipt is still in the history: %q", b.historyURLs())
		}
	}
	b.back()
	b.noDigits("Back after quick exit", receipt)
	if strings.Contains(b.bodyText(), browserNarrative) {
		t.Fatal("Back after quick exit shows the story")
	}
	b.forward()
	b.back()
	b.noDigits("Back, Forward, Back", receipt)
	b.do("opening the receipt page", chromedp.Navigate(b.base+"/tanda-terima"))
	b.do("reloading", chromedp.Reload())
	b.noDigits("reload after quick exit", receipt)
	if !strings.Contains(b.bodyText(), receivedText) {
		t.Fatalf("the receipt page after quick exit: %.300s", b.bodyText())
	}
	b.resubmit(token)
	b.noDigits("resubmission after quick exit", receipt)
	if !strings.Contains(b.bodyText(), receivedText) || countReports(t, b.m) != 1 {
		t.Fatalf("resubmission: %d reports, %.300s", countReports(t, b.m), b.bodyText())
	}

	// Without quick exit: the window ends it.
	b.do("opening the report form", chromedp.Navigate(b.base+"/"))
	token = eval[string](b, `document.querySelector("input[name=token]").value`)
	b.fillReport(true)
	receipt = b.submitReport()
	clk.Add(spiker.ReceiptWindow + time.Second)
	b.do("reloading after the window", chromedp.Reload())
	b.noDigits("reload after the window", receipt)
	b.back()
	b.noDigits("Back after the window", receipt)
	b.forward()
	b.noDigits("Forward after the window", receipt)
	b.resubmit(token)
	b.noDigits("resubmission after the window", receipt)
	if countReports(t, b.m) != 2 {
		t.Fatalf("%d reports after the resubmission", countReports(t, b.m))
	}
}

// typeLikeAPerson types text into the focused field key by key, holding
// Shift for each capital as a phone keyboard or a person does.
func typeLikeAPerson(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		send := func(p input.DispatchKeyEventParams) error {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p)
			return err
		}
		shift := input.DispatchKeyEventParams{Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, NativeVirtualKeyCode: 16, Location: 1}
		for _, r := range text {
			upper := r >= 'A' && r <= 'Z'
			mods := int64(0)
			if upper {
				down := shift
				down.Type, down.Modifiers = input.DispatchKeyEventTypeRawKeyDown, 8
				if err := send(down); err != nil {
					return err
				}
				mods = 8
			}
			key := string(r)
			for _, p := range []input.DispatchKeyEventParams{
				{Type: input.DispatchKeyEventTypeKeyDown, Key: key, Text: key, UnmodifiedText: strings.ToLower(key), Modifiers: mods},
				{Type: input.DispatchKeyEventTypeKeyUp, Key: key, Modifiers: mods},
			} {
				if err := send(p); err != nil {
					return err
				}
			}
			if upper {
				up := shift
				up.Type = input.DispatchKeyEventTypeKeyUp
				if err := send(up); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Typing capitals with Shift in every text field of the form never quits;
// Shift three times outside a field does, but not with another key between.
func TestBrowserShiftInFieldsStays(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	b.do("opening the report form", chromedp.Navigate(b.base+"/"),
		chromedp.Click(chromedp.CSS(`input[name=contact][value=ya]`))) // shows the contact fields
	ids := eval[[]string](b, `Array.from(document.querySelectorAll("#lapor textarea, #lapor input:not([type=radio]):not([type=checkbox]):not([type=hidden]):not([type=file])"), f => f.id)`)
	if len(ids) < 5 {
		t.Fatalf("only %d text fields: %v", len(ids), ids)
	}
	for _, id := range ids {
		b.do("typing into "+id, chromedp.Click(chromedp.ID(id)), typeLikeAPerson("Pak RT Budi KDRT"))
		if loc := b.location(); loc != b.base+"/" {
			t.Fatalf("typing capitals into %s quit the portal: %s", id, loc)
		}
		if v := eval[string](b, `(f => f.type === "text" || f.type === "textarea" ? f.value : "KDRT")(document.getElementById("`+id+`"))`); !strings.Contains(v, "KDRT") {
			t.Errorf("%s holds %q", id, v)
		}
	}
	if n := b.keluarCount(); n != 0 {
		t.Fatalf("%d quick exits while typing", n)
	}
	// Outside a field, Shift Shift, another key, Shift: no exit.
	b.do("leaving the field", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	b.do("Shift, Shift, a, Shift", chromedp.Func(pressShift), chromedp.Func(pressShift), chromedp.KeyEvent("a"), chromedp.Func(pressShift))
	time.Sleep(200 * time.Millisecond)
	if loc := b.location(); loc != b.base+"/" {
		t.Fatalf("Shift with another key between quit: %s", loc)
	}
	time.Sleep(1600 * time.Millisecond) // the presses above are out of the count
	b.quickExit("Shift three times outside a field", chromedp.Steps(chromedp.Func(pressShift), chromedp.Func(pressShift), chromedp.Func(pressShift)))
}

// rect is an element's box in the viewport.
type rect struct{ X, Y, W, H float64 }

// On a phone, after the browser's own validation scrolls up to the first
// invalid field, a real click at that field's centre selects it: the
// sticky quick exit bar does not lie over it.
func TestBrowserFirstInvalidFieldIsClickable(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	b.do("opening the report form on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(b.base+"/"))
	// From the bottom of the page, as a person who scrolled through it.
	b.do("sending the empty form", chromedp.Click(chromedp.CSS(`#lapor button[type=submit]`)))
	time.Sleep(500 * time.Millisecond) // the browser scrolls to the first invalid field
	if loc := b.location(); loc != b.base+"/" {
		t.Fatalf("the empty form was sent: %s", loc)
	}
	r := eval[rect](b, `(() => { const f = document.querySelector("#lapor input:invalid, #lapor textarea:invalid, #lapor select:invalid"); f.setAttribute("data-first", "");
		const r = f.getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
	bar := eval[rect](b, `(() => { const r = document.querySelector(".exitbar").getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
	if eval[float64](b, `scrollY`) == 0 {
		t.Fatal("the page did not scroll: the test would not show the bar's effect")
	}
	b.do("clicking the first invalid field", chromedp.MouseClickXY(r.X+r.W/2, r.Y+r.H/2))
	time.Sleep(200 * time.Millisecond)
	if loc := b.location(); loc != b.base+"/" {
		t.Fatalf("the click at the first field (%+v, bar %+v) left the portal: %s", r, bar, loc)
	}
	if !eval[bool](b, `document.activeElement.hasAttribute("data-first")`) {
		t.Fatalf("the click at the first field (%+v, bar %+v) focused %q", r, bar, eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
}
