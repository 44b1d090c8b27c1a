package api

import (
	"net/http"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/locale"
)

func (s *Server) startFollowup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Receipt string `json:"receipt"`
	}
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	token, err := s.Reports.StartFollowup(r.Context(), req.Receipt, s.ClientKey(r))
	if err != nil {
		if spiker.ErrorCode(err) == spiker.EINVALID {
			err = &spiker.Error{Code: spiker.EUNAUTHORIZED, Message: "bad receipt", Fields: spiker.ErrorFields(err)}
		}
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "expires_in": 900})
}

type messageJSON struct {
	From string    `json:"from"`
	Kind string    `json:"kind"`
	Body string    `json:"body"`
	At   time.Time `json:"at"`
}

func (s *Server) followup(w http.ResponseWriter, r *http.Request) {
	f, err := s.Reports.Followup(r.Context(), bearer(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := locale.Printer{Lang: locale.Match(r.Header.Get("Accept-Language"))}
	out := struct {
		Status     string        `json:"status"`
		StatusText string        `json:"status_text"`
		CreatedAt  time.Time     `json:"created_at"`
		Messages   []messageJSON `json:"messages"`
	}{Status: string(f.Status), StatusText: p.Text(f.Status.TextKey()), CreatedAt: f.CreatedAt, Messages: []messageJSON{}}
	for _, m := range f.Messages {
		out.Messages = append(out.Messages, messageJSON{From: m.From, Kind: m.Kind, Body: m.Body, At: m.At})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) addMessage(w http.ResponseWriter, r *http.Request) {
	token := bearer(r)
	if token == "" {
		s.error(w, r, spiker.Errorf(spiker.EUNAUTHORIZED, "no token"))
		return
	}
	var req struct {
		Body string `json:"body"`
		Kind string `json:"kind"`
	}
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if req.Kind == "" {
		req.Kind = spiker.MessageReply
	}
	if err := s.Reports.AddMessage(r.Context(), token, req.Kind, req.Body); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"status": "sent"})
}
