package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// portal is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so each answer can be checked.
type portal struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newPortal(t *testing.T, m *Main) *portal {
	jar, _ := cookiejar.New(nil)
	return &portal{t: t, base: "http://" + m.PublicAddr(), c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *portal) do(req *http.Request) (*http.Response, string) {
	p.t.Helper()
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (p *portal) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", p.base+path, nil)
	return p.do(req)
}

// post sends a multipart form like the report page does; files maps a
// file name to its content.
func (p *portal) post(path string, v url.Values, files map[string][]byte) (*http.Response, string) {
	p.t.Helper()
	return p.postFiles(path, v, "files", files)
}

// postFiles sends a multipart form with the files in the input named field.
func (p *portal) postFiles(path string, v url.Values, field string, files map[string][]byte) (*http.Response, string) {
	p.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range v {
		for _, x := range vs {
			mw.WriteField(k, x)
		}
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile(field, name)
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", p.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return p.do(req)
}

// report sends the report form and follows the redirect to the receipt
// page, as a browser does (the receipt is never the POST's own answer).
func (p *portal) report(v url.Values, files map[string][]byte) (*http.Response, string) {
	p.t.Helper()
	resp, page := p.post("/", v, files)
	if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/tanda-terima" {
		return p.get("/tanda-terima")
	}
	return resp, page
}

var (
	tokenRE   = regexp.MustCompile(`name="token" value="([^"]+)"`)
	receiptRE = regexp.MustCompile(`class="receipt" aria-label="(\d{4} \d{4} \d{4} \d{4})"`)
)

// validAnswers is a complete report as a person fills it in.
func validAnswers(token string) url.Values {
	return url.Values{
		"token": {token}, "role": {"korban"}, "types": {"Fisik", "Psikis"}, "narrative": {"Saya dipukul suami tadi malam."},
		"danger": {"ya"}, "kecamatan": {"35.24.22"}, "desa": {"35.24.22.1012"}, "place": {"rumah"}, "date": {"2026-11-20"},
		"sex": {"Perempuan"}, "age": {"30"}, "relationship": {"Suami/Istri"}, "contact": {"ya"}, "channel": {"whatsapp"},
		"number": {"0812 3456 7890"}, "times": {"pagi"}, "note": {"bilang dari arisan"}, "consent": {"ya"},
	}
}

// gpsJPEG is a real JPEG carrying an EXIF segment with a GPS canary.
func gpsJPEG(t *testing.T, canary string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	exif := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08GPSInfo "), []byte(canary)...)
	seg := []byte{0xFF, 0xE1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), append(seg, exif...)...), b[2:]...)
}

func countReports(t *testing.T, m *Main) int {
	var n int
	m.DB.View(context.Background(), func(tx *sqldb.Tx) error { return tx.Get(context.Background(), `SELECT COUNT(*) FROM reports`, nil, &n) })
	return n
}

func TestPortalReportAndFollowup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		m, _ := startMain(t, t.TempDir(), dbURL)
		officer := addStaff(t, m, "konselor.satu", spiker.RoleKonselorPiket)
		p := newPortal(t, m)
		resp, page := p.get("/")
		if resp.StatusCode != 200 || len(resp.Cookies()) != 0 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("report page: %d, cookies %v", resp.StatusCode, resp.Cookies())
		}
		token := tokenRE.FindStringSubmatch(page)[1]
		photo := gpsJPEG(t, "GPS-KANARI-7.1234S-112.5678E")
		resp, page = p.report(validAnswers(token), map[string][]byte{"luka.jpg": photo})
		m1 := receiptRE.FindStringSubmatch(page)
		if resp.StatusCode != 200 || m1 == nil {
			t.Fatalf("submit: %d %.300s", resp.StatusCode, page)
		}
		receipt := m1[1]
		// The same submission again (a double tap, a retried request)
		// within the window: the same receipt, one report.
		_, again := p.report(validAnswers(token), map[string][]byte{"luka.jpg": photo})
		if m2 := receiptRE.FindStringSubmatch(again); m2 == nil || m2[1] != receipt || countReports(t, m) != 1 {
			t.Fatalf("retry: %v, %d reports", m2, countReports(t, m))
		}

		// Staff read it; the photo has lost its EXIF and is still a JPEG.
		id := ""
		m.DB.View(context.Background(), func(tx *sqldb.Tx) error { return tx.Get(context.Background(), `SELECT id FROM reports`, nil, &id) })
		r, err := m.Reports.FindReport(context.Background(), officer, id)
		if err != nil || r.Content.Contact.Note != "bilang dari arisan" || r.RegionCode != "35.24.22.1012" || r.VictimAgeGroup != "25-44" {
			t.Fatalf("stored report: %+v %v", r, err)
		}
		f, _ := (store.FollowupService{Store: m.Store, Reports: store.ReportService{Store: m.Store}}).StartFollowup(context.Background(), receipt, "x")
		view, _ := m.Reports.Followup(context.Background(), f)
		var file bytes.Buffer
		if _, err := (store.ReportService{Store: m.Store}).ReadFile(context.Background(), officer, id, view.Files[0].ID, &file); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(file.Bytes(), []byte("KANARI")) || bytes.Contains(file.Bytes(), []byte("Exif")) {
			t.Fatal("EXIF GPS survived the upload")
		}
		if _, err := jpeg.Decode(bytes.NewReader(file.Bytes())); err != nil {
			t.Fatalf("the cleaned photo does not decode: %v", err)
		}

		// Follow-up: a wrong receipt, then the right one.
		resp, page = p.post("/cek", url.Values{"receipt": {"1111 2222 3333 4444"}}, nil)
		if resp.StatusCode != 401 || !strings.Contains(page, "tidak cocok dengan laporan mana pun") {
			t.Fatalf("wrong receipt: %d", resp.StatusCode)
		}
		resp, _ = p.post("/cek", url.Values{"receipt": {receipt}}, nil)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/cek" {
			t.Fatalf("right receipt: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		c := resp.Cookies()
		if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/" || strings.Contains(c[0].Value, strings.ReplaceAll(receipt, " ", "")) {
			t.Fatalf("follow-up cookie: %+v", c)
		}
		_, page = p.get("/cek")
		if !strings.Contains(page, "menunggu dibaca petugas piket") || !strings.Contains(page, "luka.jpg") {
			t.Fatalf("follow-up page: %.500s", page)
		}
		resp, _ = p.post("/cek/kirim", url.Values{"kind": {"pesan"}, "body": {"Saya sudah aman di rumah ibu."}}, nil)
		if resp.StatusCode != 303 {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		p.post("/cek/kirim", url.Values{"kind": {"temu"}, "place": {"Puskesmas Sukorejo"}, "when": {"Senin pagi"}}, nil)
		resp, page = p.post("/cek/kirim", url.Values{"kind": {"pesan"}, "body": {"  "}}, nil)
		if resp.StatusCode != 422 || !strings.Contains(page, "Pesan masih kosong") {
			t.Fatalf("empty reply: %d", resp.StatusCode)
		}
		_, page = p.get("/cek?terkirim=1")
		if !strings.Contains(page, "Saya sudah aman di rumah ibu.") || !strings.Contains(page, "Puskesmas Sukorejo") || !strings.Contains(page, "Terkirim") {
			t.Fatalf("conversation: %.800s", page)
		}
		// Quick exit's beacon ends the session.
		req, _ := http.NewRequest("POST", p.base+"/keluar", nil)
		resp, _ = p.do(req)
		if resp.StatusCode != 204 {
			t.Fatalf("/keluar: %d", resp.StatusCode)
		}
		if _, page = p.get("/cek"); !strings.Contains(page, `name="receipt"`) {
			t.Fatal("the follow-up session survived quick exit")
		}
	})
}

func TestPortalValidation(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	p := newPortal(t, m)
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"no role", "role", "", "Pilih siapa Anda."},
		{"no narrative", "narrative", " ", "Tuliskan sedikit tentang apa yang terjadi"},
		{"no danger answer", "danger", "", "Pilih apakah ada yang dalam bahaya sekarang."},
		{"kecamatan of another regency", "kecamatan", "35.25.01", "Pilih kecamatan tempat kejadian dari daftar."},
		{"desa of another kecamatan", "desa", "35.24.01.2001", "Desa ini tidak ada di kecamatan yang dipilih."},
		{"future date", "date", "2099-01-01", "Tanggal tidak sah."},
		{"age", "age", "dua puluh", "Umur harus angka 0 sampai 120"},
		{"bad number", "number", "12", "Tulis nomor telepon (6 sampai 15 angka)"},
		{"no consent", "consent", "", "Centang persetujuan"},
		{"unknown violence type", "types", "Pukulan", "Pilih paling sedikit satu jenis kejadian."},
	} {
		_, form := p.get("/")
		v := validAnswers(tokenRE.FindStringSubmatch(form)[1])
		if tc.value == "" {
			v.Del(tc.field)
		} else {
			v.Set(tc.field, tc.value)
		}
		resp, page := p.post("/", v, nil)
		if resp.StatusCode != 422 || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, message %q missing", tc.name, resp.StatusCode, tc.want)
		}
		// The other answers are kept.
		if !strings.Contains(page, "Saya dipukul suami tadi malam.") && tc.field != "narrative" || !strings.Contains(page, `value="bilang dari arisan"`) {
			t.Errorf("%s: answers were not kept", tc.name)
		}
	}
	if n := countReports(t, m); n != 0 {
		t.Fatalf("%d reports stored from invalid forms", n)
	}
}

func TestPortalOversizeAndFileType(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	p := newPortal(t, m)
	_, form := p.get("/")
	v := validAnswers(tokenRE.FindStringSubmatch(form)[1])
	resp, page := p.post("/", v, map[string][]byte{"besar.jpg": append([]byte("\xFF\xD8\xFF\xE0"), bytes.Repeat([]byte{0xFF}, spiker.MaxFileSize-3)...)})
	if resp.StatusCode != 413 || !strings.Contains(page, "File terlalu besar") || !strings.Contains(page, "Saya dipukul suami tadi malam.") {
		t.Fatalf("oversize file: %d", resp.StatusCode)
	}
	resp, page = p.post("/", v, map[string][]byte{"virus.exe": []byte("MZ\x90\x00 this is not a photo")})
	if resp.StatusCode != 422 || !strings.Contains(page, "Jenis file ini tidak diterima") {
		t.Fatalf("wrong file type: %d", resp.StatusCode)
	}
	// Too many files, and a text field far over any limit, are refused as
	// a whole with a clear message.
	six := map[string][]byte{}
	for _, n := range []string{"1", "2", "3", "4", "5", "6"} {
		six[n+".pdf"] = []byte("%PDF-1.4 " + n)
	}
	resp, page = p.post("/", v, six)
	if resp.StatusCode != 413 || !strings.Contains(page, "Paling banyak 5 file sekaligus") {
		t.Fatalf("six files: %d", resp.StatusCode)
	}
	huge := validAnswers(v.Get("token"))
	huge.Set("place", strings.Repeat("x", 200<<10))
	resp, page = p.post("/", huge, nil)
	if resp.StatusCode != 413 || !strings.Contains(page, "Kiriman terlalu besar") {
		t.Fatalf("oversize field: %d", resp.StatusCode)
	}
	if n := countReports(t, m); n != 0 {
		t.Fatalf("%d reports stored from refused uploads", n)
	}
}

// The report page is usable from its HTML and stylesheet alone, and those
// two fit in 14 KB compressed (one round trip on a slow connection).
func TestReportPageSize(t *testing.T) {
	m, _ := startMain(t, t.TempDir(), "")
	p := newPortal(t, m)
	_, page := p.get("/")
	css := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatal("no stylesheet link")
	}
	_, style := p.get(css[1])
	var total int
	for _, s := range []string{page, style} {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write([]byte(s))
		zw.Close()
		total += buf.Len()
	}
	t.Logf("report page HTML+CSS: %d bytes gzip", total)
	if total > 14*1024 {
		t.Fatalf("report page HTML+CSS is %d bytes gzip, over 14 KB", total)
	}
	for _, ref := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		u := ref[1]
		if strings.HasPrefix(u, "http") && !strings.HasPrefix(u, "https://www.bmkg.go.id/") && !strings.HasPrefix(u, "https://wa.me/") {
			t.Errorf("the page refers to another origin: %s", u)
		}
	}
}

// With rate limits off (load tests), the readiness probe says so.
func TestReadyzWarnsWhenLimitsOff(t *testing.T) {
	m, logs := startMain(t, t.TempDir(), "", func(c *Config) { c.RateLimits = "off" })
	code, body := get(t, "http://"+m.PublicAddr()+"/readyz")
	if code != 200 || !strings.Contains(body, "rate limits are off") || !strings.Contains(logs.String(), "rate limits are OFF") {
		t.Fatalf("/readyz = %d %q", code, body)
	}
}
