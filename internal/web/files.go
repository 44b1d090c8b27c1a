package web

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"

	"github.com/spikerperak/spiker"
)

// inlineKinds are the kinds a browser may show in place: their type was
// decided from their bytes when they arrived and their metadata removed,
// and the browser renders them with its own image and media viewers, which
// run no script of the file's. A PDF (which can carry scripts and forms)
// and anything else is always downloaded.
var inlineKinds = map[string]bool{
	"image/jpeg": true, "image/png": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/mp4": true, "audio/wav": true,
	"video/mp4": true, "video/quicktime": true,
}

// fileCSP is the policy of a file shown in place: a sandboxed document
// (unique origin, no script, no form, no plugin) that loads nothing but
// itself.
const fileCSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'none'"

// sendFile sends a decrypted file with its detected type, never sniffed:
// shown in place in a sandbox when its kind is safe to show (inlineKinds)
// and ?unduh=1 is not asked, downloaded otherwise. The name is the
// reporter's, only ever in the Content-Disposition parameter.
func sendFile(w http.ResponseWriter, r *http.Request, a *spiker.Attachment, buf *bytes.Buffer) {
	h := w.Header()
	disposition := "attachment"
	if inlineKinds[a.Kind] && r.URL.Query().Get("unduh") == "" {
		disposition = "inline"
		h.Set("Content-Security-Policy", fileCSP)
	}
	h.Set("Content-Type", a.Kind)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	buf.WriteTo(w)
}

// reporterFile is a file a reporter sent with one of a case's reports.
type reporterFile struct {
	ReportID string
	spiker.Attachment
}

// caseReporterFiles lists the files of a case's reports, in the case's order,
// from its view (the reports the actor may read and holds the key to).
func caseReporterFiles(view *spiker.CaseView) []reporterFile {
	var out []reporterFile
	for _, id := range view.Case.ReportIDs {
		for _, f := range view.ReportFiles[id] {
			out = append(out, reporterFile{id, f})
		}
	}
	return out
}
