package web

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/monthly"
)

// monthlyChoice reads the month and region of the monthly report from the
// query: by default last month and the user's whole region.
func (s *Server) monthlyChoice(r *http.Request) (month, region string) {
	q := r.URL.Query()
	month, region = q.Get("bulan"), q.Get("wilayah")
	if month == "" {
		now := s.Clock.Local()
		month = time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, now.Location()).Format("2006-01")
	}
	return month, region
}

// monthlyPage lets those entitled to statistics choose a month and a
// region (the regency or a kecamatan) and download the monthly report.
func (s *Server) monthlyPage(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	month, region := s.monthlyChoice(r)
	errs := map[string]string{}
	status := http.StatusOK
	if err := spiker.ValidMonth(month); err != nil {
		errs, status = spiker.ErrorFields(err), http.StatusUnprocessableEntity
	}
	q := url.Values{"bulan": {month}}
	if region != "" {
		q.Set("wilayah", region)
	}
	data := map[string]any{"Month": month, "Region": region, "Errors": errs, "Kecamatan": s.kecamatan(),
		"PDF": "/staf/statistik/bulanan.pdf?" + q.Encode(), "XLSX": "/staf/statistik/bulanan.xlsx?" + q.Encode(), "MonthText": fullMonth(locale.Match(r.Header.Get("Accept-Language")), month)}
	s.renderStaff(w, r, status, "staff_monthly.html", sess, data)
}

// monthlyDownload sends the monthly report as PDF or XLSX. The figures are
// the dashboard's (Statistics.MonthlyReport takes them from it); the
// download is audited there.
func (s *Server) monthlyDownload(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	month, region := s.monthlyChoice(r)
	rep, err := s.Statistics.MonthlyReport(r.Context(), sess.Actor, month, region)
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	head, err := s.Network.Letterhead(r.Context())
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	in := monthly.Input{Report: rep, Head: letterhead(head), RegionName: s.regionName, RegionTitle: s.regionTitle(rep.Region), Zone: s.Clock.Zone()}
	name := monthly.FileName(rep)
	var body []byte
	ctype := "application/pdf"
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		var b bytes.Buffer
		if err = monthly.XLSX(&b, in); err == nil {
			body, name, ctype = b.Bytes(), name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
	} else {
		body, err = monthly.PDF(in)
		name += ".pdf"
	}
	if err != nil {
		s.staffError(w, r, sess, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// regionTitle names a region as a report's heading does: the regency as
// "Kabupaten …" when the directory's name lacks it, a kecamatan as
// "Kecamatan …".
func (s *Server) regionTitle(code string) string {
	name := s.regionName(code)
	switch strings.Count(code, ".") {
	case 1:
		if !strings.HasPrefix(name, "Kab") && !strings.HasPrefix(name, "Kota") {
			return "Kabupaten " + name
		}
	case 2:
		if !strings.HasPrefix(name, "Kec") {
			return "Kecamatan " + name
		}
	}
	return name
}
