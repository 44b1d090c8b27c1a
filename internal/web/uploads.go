package web

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/media"
	"github.com/spikerperak/spiker/internal/upload"
)

// uploads is the folder of temporary upload files: Server.Uploads, or for
// a server built without one (tests) a fresh folder under the system's
// temporary directory.
func (s *Server) uploads() upload.Dir {
	s.uploadsOnce.Do(func() {
		if s.Uploads.Root == "" {
			root, err := os.MkdirTemp("", "spiker-uploads-")
			if err != nil {
				panic(err)
			}
			s.Uploads.Root = root
			if err := s.Uploads.Prepare(s.Clock.Now()); err != nil {
				panic(err)
			}
		}
	})
	return s.Uploads
}

// sweepEvery is how often the files kept under form tokens are swept (on
// the way of a form that has files).
const sweepEvery = 10 * time.Minute

func (s *Server) maybeSweep() {
	now := s.Clock.Now()
	s.sweepMu.Lock()
	due := now.Sub(s.sweptAt) >= sweepEvery
	if due {
		s.sweptAt = now
	}
	s.sweepMu.Unlock()
	if due {
		s.uploads().Sweep(now)
	}
}

// cleanedFile is a cleaned upload in its spool.
type cleanedFile struct {
	upload.File
	spool *upload.Spool
}

// cleanUploads checks each file's type from its bytes and removes
// metadata such as EXIF GPS before anything is stored, from the raw
// spool to a cleaned one (the raw one is removed at once). With a form
// token the cleaned spools are sealed with keys only that token gives, so
// that they can be kept under it (see keepUploads). The files that cleaned
// well are returned with the error key of the first that did not.
func (s *Server) cleanUploads(fd *formData, token string) ([]spiker.Upload, []cleanedFile, string) {
	var out []spiker.Upload
	var kept []cleanedFile
	fileErr := ""
	dir := s.uploads()
	for _, raw := range fd.files {
		id := upload.NewID()
		key := upload.NewKey()
		if token != "" {
			key = upload.TokenKey(token, id)
		}
		sp, err := upload.Create(dir.Temp(), key)
		if err != nil {
			s.Logger.Error("cannot create an upload file", "err", err)
			fileErr = "report.err.file_type"
			continue
		}
		fd.cleaned = append(fd.cleaned, sp)
		kind, err := media.CleanTo(sp, raw.spool, raw.spool.Size())
		raw.spool.Remove()
		if err == nil {
			err = sp.Finish()
		}
		if err != nil {
			if !errors.Is(err, media.ErrMalformed) && !errors.Is(err, media.ErrUnsupported) {
				s.Logger.Error("cannot clean an upload", "err", err)
			}
			if fileErr == "" {
				fileErr = "report.err.file_type"
			}
			sp.Remove()
			continue
		}
		f := upload.File{ID: id, Name: filepath.Base(raw.name), Kind: string(kind), Size: sp.Size()}
		kept = append(kept, cleanedFile{f, sp})
		out = append(out, spiker.Upload{Name: f.Name, Kind: f.Kind, Size: f.Size, Open: sp.Reader})
	}
	fd.files = nil
	return out, kept, fileErr
}

// reportUploads returns the files of a report form: those kept under its
// token from an earlier try (less those the reporter removed) and the new
// ones, cleaned. fresh are the new ones, for keepUploads.
func (s *Server) reportUploads(fd *formData, token string) (all []spiker.Upload, fresh []cleanedFile, fileErr string) {
	s.maybeSweep()
	dir := s.uploads()
	removed := fd.all("drop_file")
	for _, f := range dir.List(token) {
		if slices.Contains(removed, f.ID) {
			dir.Drop(token, f.ID)
			continue
		}
		sp, err := dir.OpenFile(token, f)
		if err != nil {
			dir.Drop(token, f.ID)
			continue
		}
		fd.opened = append(fd.opened, sp)
		all = append(all, spiker.Upload{Name: f.Name, Kind: f.Kind, Size: f.Size, Open: sp.Reader})
	}
	uploads, fresh, fileErr := s.cleanUploads(fd, token)
	all = append(all, uploads...)
	if len(all) > spiker.MaxFilesPerPost && fileErr == "" {
		fileErr = "report.err.file_count"
	}
	return all, fresh, fileErr
}

// keepUploads keeps the new files of a form that stored no report under
// its token, sealed, until the next try (or the sweep). A file is kept
// once: calling it again does nothing.
func (s *Server) keepUploads(token string, fresh []cleanedFile) {
	dir := s.uploads()
	for i := range fresh {
		f := &fresh[i]
		if f.spool == nil || len(dir.List(token)) >= spiker.MaxFilesPerPost {
			continue
		}
		sp := f.spool
		f.spool = nil
		if err := dir.Keep(token, s.Clock.Now(), f.File, sp); err != nil {
			s.Logger.Error("cannot keep an upload for the form", "err", err)
		}
	}
}
