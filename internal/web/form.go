package web

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

// Upload limits: MaxFilesPerPost files of MaxFileSize, text fields of
// maxFieldBytes, and a little room for the multipart framing.
const (
	maxFieldBytes = 128 << 10
	maxBodyBytes  = spiker.MaxFilesPerPost*spiker.MaxFileSize + 1<<20
)

// formData is a parsed form: text values and files. Parsing streams the
// body part by part and keeps files in memory (bounded by the limits), so
// no plaintext upload ever touches the disk, unlike ParseMultipartForm.
type formData struct {
	values map[string][]string
	files  []rawFile
}

type rawFile struct {
	name string
	data []byte
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
func parseForm(w http.ResponseWriter, r *http.Request) (*formData, error) {
	f := &formData{values: map[string][]string{}}
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
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(part, spiker.MaxFileSize+1))
	if err != nil {
		return bodyError(err)
	}
	if n == 0 {
		return nil // an empty file input
	}
	if n > spiker.MaxFileSize {
		return errFileTooLarge
	}
	if len(f.files) == spiker.MaxFilesPerPost {
		return errTooManyFiles
	}
	f.files = append(f.files, rawFile{name: part.FileName(), data: buf.Bytes()})
	return nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
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
