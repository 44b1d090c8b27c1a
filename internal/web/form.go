package web

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/upload"
)

// Upload limits: MaxFilesPerPost files of at most MaxMediaSize (the limit
// of each file depends on its kind, see spiker.MaxUploadSize), text fields
// of maxFieldBytes, and a little room for the multipart framing.
const (
	maxFieldBytes = 128 << 10
	maxBodyBytes  = spiker.MaxFilesPerPost*spiker.MaxMediaSize + 1<<20
)

// formData is a parsed form: text values and files. Parsing streams the
// body part by part; each file streams into an encrypted spool on disk
// (see package upload) as it arrives, so memory stays bounded and no
// plaintext upload ever touches the disk, unlike ParseMultipartForm. The
// handler must call remove when done, on every path.
type formData struct {
	values  map[string][]string
	files   []rawFile
	cleaned []*upload.Spool // removed with the form
	opened  []*upload.Spool // kept under a form token: closed, not removed
	dir     upload.Dir
}

type rawFile struct {
	name  string
	spool *upload.Spool
}

// remove deletes the form's spools (those moved to Pending are gone
// already).
func (f *formData) remove() {
	if f == nil {
		return
	}
	for _, r := range f.files {
		r.spool.Remove()
	}
	for _, sp := range f.cleaned {
		sp.Remove()
	}
	for _, sp := range f.opened {
		sp.Close()
	}
}

func (f *formData) get(name string) string {
	if v := f.values[name]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

func (f *formData) all(name string) []string { return f.values[name] }

// errTooLarge and errFileTooLarge say which limit a body broke; the values
// read before it are kept so the form can be shown again.
var (
	errTooLarge     = errors.New("request body too large")
	errFileTooLarge = errors.New("file too large")
	errTooManyFiles = errors.New("too many files")
)

// parseForm reads an urlencoded or multipart body within the limits.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) (*formData, error) {
	f := &formData{values: map[string][]string{}, dir: s.uploads()}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxFieldBytes*4)
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return f, errTooLarge
			}
			return f, spiker.Errorf(spiker.EINVALID, "the form could not be read")
		}
		f.values = r.PostForm
		return f, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, spiker.Errorf(spiker.EINVALID, "the form could not be read")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, bodyError(err)
		}
		if err := f.readPart(part); err != nil {
			part.Close()
			return f, err
		}
		part.Close()
	}
}

func (f *formData) readPart(part *multipart.Part) error {
	name := part.FormName()
	if part.FileName() == "" {
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return bodyError(err)
		}
		if n > maxFieldBytes {
			return errTooLarge
		}
		f.values[name] = append(f.values[name], buf.String())
		return nil
	}
	if len(f.files) == spiker.MaxFilesPerPost {
		if n, _ := io.CopyN(io.Discard, part, 1); n == 0 {
			return nil // an empty file input
		}
		return errTooManyFiles
	}
	sp, err := upload.Create(f.dir.Temp(), upload.NewKey())
	if err != nil {
		return err
	}
	f.files = append(f.files, rawFile{name: part.FileName(), spool: sp})
	// The first bytes tell the kind, and the kind the size limit.
	head := make([]byte, 512)
	h, err := io.ReadFull(part, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return bodyError(err)
	}
	if h == 0 {
		sp.Remove()
		f.files = f.files[:len(f.files)-1]
		return nil // an empty file input
	}
	kind, _ := media.Detect(head[:h])
	limit := spiker.MaxUploadSize(string(kind))
	sp.Write(head[:h])
	n, err := io.Copy(sp, io.LimitReader(part, limit-int64(h)+1))
	if err != nil {
		return bodyError(err)
	}
	if int64(h)+n > limit {
		return errFileTooLarge
	}
	return sp.Finish()
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err // the disk, not the client
	}
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return spiker.Errorf(spiker.EINVALID, "the form could not be read")
}

// atoiOr parses an integer form value, returning def for "" and -2 for junk
// (which validation then rejects).
func atoiOr(s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -2
	}
	return n
}
