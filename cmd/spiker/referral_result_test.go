package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// postResult sends the completion form of a referral as the page does:
// multipart, the result file in the "result" input.
func (p *portal) postResult(path string, v url.Values, name string, data []byte) (*http.Response, string) {
	p.t.Helper()
	return p.postFiles(path, v, "result", map[string][]byte{name: data})
}

// referralCase is a case with a referral to a partner agency the partner
// has accepted, each signed in to the back office.
type referralCase struct {
	m                 *Main
	casePath, refPath string
	manager, partner  *portal
	mCSRF, pCSRF      string
}

func newReferralCase(t *testing.T, dbURL string) *referralCase {
	t.Helper()
	ctx := context.Background()
	m, _ := startMain(t, t.TempDir(), dbURL)
	kSecret := addStaffWithTOTP(t, m, "konselor.satu", spiker.RoleKonselorPiket, "35.24")
	sSecret := addStaffWithTOTP(t, m, "kepala.uptd", spiker.RoleSupervisor, "35.24")
	mSecret := addStaffWithTOTP(t, m, "manajer.satu", spiker.RoleManajerKasus, "35.24")
	reporter := newPortal(t, m)
	_, form := reporter.get("/")
	reporter.post("/", validAnswers(tokenRE.FindStringSubmatch(form)[1]), nil)
	rc := &referralCase{m: m, manager: newPortal(t, m), partner: newPortal(t, m)}
	officer, sup := newPortal(t, m), newPortal(t, m)
	oc := signIn(t, officer, "konselor.satu", kSecret, time.Now())
	sc := signIn(t, sup, "kepala.uptd", sSecret, time.Now())
	rc.mCSRF = signIn(t, rc.manager, "manajer.satu", mSecret, time.Now())
	_, inbox := officer.get("/staf/")
	link := regexp.MustCompile(`href="(/staf/laporan/[a-z0-9]+)"`).FindStringSubmatch(inbox)[1]
	resp, _ := officer.post(link+"/kasus", url.Values{"csrf": {oc}, "summary": {"Kekerasan dalam rumah tangga oleh suami."}}, nil)
	rc.casePath = resp.Header.Get("Location")
	if resp, _ := sup.post(rc.casePath+"/tim", url.Values{"csrf": {sc}, "user": {userIDOf(t, m, "manajer.satu")}}, nil); resp.StatusCode != 303 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	post := func(suffix string, v url.Values) {
		t.Helper()
		v.Set("csrf", rc.mCSRF)
		if resp, page := rc.manager.post(rc.casePath+suffix, v, nil); resp.StatusCode != 303 {
			t.Fatalf("%s: %d %q", suffix, resp.StatusCode, regexp.MustCompile(`class="err"[^>]*>[^<]*`).FindAllString(page, -1))
		}
	}
	post("/korban", url.Values{"name": {"Siti Aminah"}, "sex": {"Perempuan"}, "age": {"30"},
		"violence_types": {"Fisik"}, "place": {"Rumah Tangga"}, "incident_date": {"2026-11-20"}, "consent": {"korban"}})
	_, cp := rc.manager.get(rc.casePath)
	victimID := regexp.MustCompile(`name="victim" required><option value="([a-z0-9]+)"`).FindStringSubmatch(cp)
	if victimID == nil {
		t.Fatal("no victim on the case page")
	}
	admin := createMatrixAdmin(t, m)
	agency := &spiker.Agency{Name: "RSUD dr. Soegiri", Type: "RSUD", RegionCode: "35.24", Services: []string{"Kesehatan"}}
	if err := (store.NetworkService{Store: m.Store}).SaveAgency(ctx, admin, agency); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"user", "add", "--data", m.Config.DataDir, "--username", "dokter.rsud", "--role", "mitra", "--agency", agency.ID}, dbArgs(m.Config.DB)...)
	code, stdout, stderr := runCLI(t, "", nil, args...)
	if code != 0 {
		t.Fatalf("user add dokter.rsud: %s", stderr)
	}
	pSecret, err := enrolLink(m, stdout, staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	post("/rujukan", url.Values{"agency": {agency.ID}, "service": {"Kesehatan"}, "due_date": {time.Now().Add(72 * time.Hour).Format(time.DateOnly)},
		"victim": {victimID[1]}, "needs": {"visum"}, "consent": {"korban"}})
	_, cp = rc.manager.get(rc.casePath)
	ref := regexp.MustCompile(`href="(/staf/rujukan/[a-z0-9]+)"`).FindStringSubmatch(cp)
	if ref == nil {
		t.Fatal("the referral is not on the case page")
	}
	rc.refPath = ref[1]
	rc.pCSRF = signIn(t, rc.partner, "dokter.rsud", pSecret, time.Now())
	if resp, _ := rc.partner.post(rc.refPath+"/terima", url.Values{"csrf": {rc.pCSRF}}, nil); resp.StatusCode != 303 {
		t.Fatalf("accepting: %d", resp.StatusCode)
	}
	return rc
}

// count counts rows of a query.
func (rc *referralCase) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := rc.m.DB.Get(context.Background(), q, args, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A partner completes a referral with a result file: a file of a kind not
// accepted, or one too large, stores nothing and gives the form back with
// what was typed and an error in Indonesian; a photo is cleaned of its GPS
// metadata, and the case team opens it (audited) from the case page and
// the referral, while the partner sees only that it was attached.
func TestPartnerCompletesReferralWithResult(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		rc := newReferralCase(t, dbURL)
		today := time.Now().In(spiker.TimeZone("35.24")).Format(time.DateOnly)
		answers := url.Values{"csrf": {rc.pCSRF}, "service_date": {today}, "outcome": {"Visum dilakukan; luka memar di lengan kiri."}}
		_, page := rc.partner.get(rc.refPath)
		if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `name="result" type="file"`) {
			t.Fatal("the completion form has no file input")
		}
		nothingStored := func(what string) {
			t.Helper()
			if n := rc.count(t, `SELECT COUNT(*) FROM case_files`); n != 0 {
				t.Fatalf("%s: %d files stored", what, n)
			}
			if n := rc.count(t, `SELECT COUNT(*) FROM referrals WHERE status = 'diterima' AND outcome IS NULL AND completed_at IS NULL`); n != 1 {
				t.Fatalf("%s: the referral changed", what)
			}
			if n := rc.count(t, `SELECT COUNT(*) FROM case_entries WHERE kind = 'layanan'`); n != 0 {
				t.Fatalf("%s: a service was recorded", what)
			}
		}
		for _, bad := range []struct {
			what, name string
			data       []byte
			status     int
			message    string
		}{
			{"a program named .pdf", "visum.pdf", append([]byte("MZ\x90\x00\x03"), bytes.Repeat([]byte{0}, 600)...), 422, "Jenis file ini tidak diterima"},
			{"a PDF over 10 MB", "visum.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), spiker.MaxFileSize)...), 413, "File terlalu besar"},
		} {
			resp, page := rc.partner.postResult(rc.refPath+"/selesai", answers, bad.name, bad.data)
			if resp.StatusCode != bad.status || !strings.Contains(page, bad.message) {
				t.Fatalf("%s: %d %q", bad.what, resp.StatusCode, regexp.MustCompile(`class="err"[^>]*>[^<]*`).FindAllString(page, -1))
			}
			if !strings.Contains(page, "Visum dilakukan; luka memar di lengan kiri.</textarea>") {
				t.Fatalf("%s: the outcome typed is not given back", bad.what)
			}
			nothingStored(bad.what)
		}

		photo := gpsJPEG(t, "GPS-KANARI-HASIL")
		if resp, page := rc.partner.postResult(rc.refPath+"/selesai", answers, "luka lengan.jpg", photo); resp.StatusCode != 303 {
			t.Fatalf("completing with a photo: %d %q", resp.StatusCode, regexp.MustCompile(`class="err"[^>]*>[^<]*`).FindAllString(page, -1))
		}
		if n := rc.count(t, `SELECT COUNT(*) FROM case_files WHERE referral_id IS NOT NULL`); n != 1 {
			t.Fatalf("result files stored: %d", n)
		}
		// The partner sees that it is attached, without a way into the case.
		_, page = rc.partner.get(rc.refPath)
		if !strings.Contains(page, "luka lengan.jpg") || !strings.Contains(page, "hanya tim kasus yang dapat membukanya") || strings.Contains(page, "/berkas/") {
			t.Fatal("the partner's referral page does not show the attached result as expected")
		}
		// The team: on the case's file list and on the referral line.
		_, cp := rc.manager.get(rc.casePath)
		fileLinks := regexp.MustCompile(`href="(`+regexp.QuoteMeta(rc.casePath)+`/berkas/[a-z0-9]+)">luka lengan.jpg</a>`).FindAllStringSubmatch(cp, -1)
		if len(fileLinks) != 2 || fileLinks[0][1] != fileLinks[1][1] || !strings.Contains(cp, "Hasil: <a href=") || !strings.Contains(cp, "hasil rujukan") {
			t.Fatalf("the case page's result links: %v", fileLinks)
		}
		filePath := fileLinks[0][1]
		if resp, _ := rc.partner.get(filePath); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the partner opens the case's file: %d", resp.StatusCode)
		}
		reads := auditCount(t, rc.m, "case.file_read")
		resp, body := rc.manager.get(filePath)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix([]byte(body), []byte{0xFF, 0xD8}) ||
			strings.Contains(body, "GPS-KANARI-HASIL") {
			t.Fatalf("the team's download: %d %s, GPS canary kept: %v", resp.StatusCode, resp.Header.Get("Content-Type"), strings.Contains(body, "GPS-KANARI-HASIL"))
		}
		if auditCount(t, rc.m, "case.file_read") != reads+1 {
			t.Fatal("opening the result file was not audited")
		}
		// The audit names the file by id, never by its name.
		if n := rc.count(t, `SELECT COUNT(*) FROM audit_log WHERE reason LIKE '%luka%'`); n != 0 {
			t.Fatal("the audit log holds the result file's name")
		}
		if resp, _ := rc.partner.postResult(rc.refPath+"/selesai", answers, "lagi.jpg", photo); resp.StatusCode != http.StatusConflict {
			t.Fatalf("completing twice: %d", resp.StatusCode)
		}
	})
}
