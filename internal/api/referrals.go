package api

import (
	"net/http"
	"time"

	"github.com/spikerperak/spiker"
)

type referralJSON struct {
	ID          string              `json:"id"`
	Kind        string              `json:"kind"`
	Agency      string              `json:"agency,omitempty"`
	Service     string              `json:"service,omitempty"`
	DueDate     string              `json:"due_date,omitempty"`
	Status      string              `json:"status"`
	CreatedAt   time.Time           `json:"created_at"`
	ServiceDate string              `json:"service_date,omitempty"`
	Packet      []spiker.PacketItem `json:"packet,omitempty"`
	Outcome     string              `json:"outcome,omitempty"`
}

func referralOut(r *spiker.Referral) referralJSON {
	return referralJSON{ID: r.ID, Kind: r.Kind, Agency: r.AgencyName, Service: r.Service, DueDate: r.DueDate, Status: r.Status,
		CreatedAt: r.CreatedAt, ServiceDate: r.ServiceDate, Packet: r.Packet, Outcome: r.Outcome}
}

// staffReferrals lists the referrals to the partner's agency, without
// packets.
func (s *Server) staffReferrals(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	list, err := s.Network.FindReferrals(r.Context(), sess.Actor, spiker.ReferralFilter{Agency: true})
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := []referralJSON{}
	for i := range list {
		out = append(out, referralOut(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"referrals": out})
}

// staffReferral opens one referral with its packet: exactly the fields the
// case manager selected.
func (s *Server) staffReferral(w http.ResponseWriter, r *http.Request, sess *spiker.StaffSession) {
	ref, err := s.Network.Referral(r.Context(), sess.Actor, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, referralOut(ref))
}
