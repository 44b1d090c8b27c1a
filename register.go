package spiker

import (
	"time"
	"unicode/utf8"
)

// SIMFONIRegisterColumns is the header of the SIMFONI-PPA register's main
// sheet: one row per victim, in the national system's wording. Region
// columns come as a code and a name; a victim's perpetrators are joined
// with "; " in the same order in each perpetrator column.
var SIMFONIRegisterColumns = []string{
	"No", "No Registrasi Kasus", "Tanggal Pelaporan", "Tanggal Kejadian", "Kanal Pengaduan",
	"Kode Provinsi", "Provinsi", "Kode Kabupaten/Kota", "Kabupaten/Kota", "Kode Kecamatan", "Kecamatan", "Kode Desa/Kelurahan", "Desa/Kelurahan",
	"Nama Korban", "NIK Korban", "Jenis Kelamin Korban", "Umur Korban", "Kelompok Umur Korban", "Status Usia Korban",
	"Pendidikan Korban", "Pekerjaan Korban", "Status Perkawinan Korban", "Disabilitas", "Jenis Disabilitas",
	"Jenis Kekerasan", "Bentuk Kekerasan Seksual", "Kategori Trafficking", "KDRT", "Tempat Kejadian",
	"Jumlah Pelaku", "Jenis Kelamin Pelaku", "Kelompok Umur Pelaku", "Hubungan Pelaku dengan Korban",
	"Jenis Layanan", "Proses Hukum Pelaku", "Kronologi Kejadian",
	// The office's own columns, after SIMFONI's: its local categories (each
	// counted under a Jenis Kekerasan above) and the child's AMPK category.
	"Kategori Lokal", "Kategori AMPK",
}

// SIMFONIServiceColumns is the header of the register's "Layanan" sheet:
// one row per service given, with its date and provider.
var SIMFONIServiceColumns = []string{"No Registrasi Kasus", "Jenis Layanan", "Tanggal Layanan", "Pemberi Layanan", "Lembaga Pemberi Layanan"}

// SIMFONIReferralColumns is the header of the register's "Rujukan" sheet:
// one row per referral to a partner agency.
var SIMFONIReferralColumns = []string{"No Registrasi Kasus", "Lembaga Tujuan Rujukan", "Jenis Layanan", "Tanggal Rujukan",
	"Batas Waktu", "Status Rujukan", "Tanggal Tanggapan", "Tanggal Layanan", "Tanggal Selesai"}

// RegisterRow is one victim of the register. Name, NIK and Chronology are
// filled only when identities are revealed (a holder's export, or a data
// officer's approved grant); everything else is categorical.
type RegisterRow struct {
	CaseID       string
	CaseNumber   string
	ReportedAt   time.Time // the earliest report's receipt (the case's opening when it has none)
	RegionCode   string    // the victim's desa, else the case's region
	Channel      string
	Name, NIK    string
	Chronology   string // the case's summary
	Victim       CaseVictim
	Perpetrators []CasePerpetrator
	Services     []string
	LegalProcess []string
}

// RegisterServiceRow is one service given on a case: from a case entry (the
// office's own) or a completed referral (the partner agency's).
type RegisterServiceRow struct {
	CaseNumber string
	Service    string // JenisLayanan (or an UPTD function)
	Date       string // YYYY-MM-DD
	Provider   string // the staff member or the agency
	Agency     string // "" for the office itself
}

// RegisterReferral is one referral of a case to a partner agency.
type RegisterReferral struct {
	CaseNumber  string
	Agency      string
	Service     string
	SentAt      time.Time
	DueDate     string
	Status      string // ReferralSent etc.
	RespondedAt *time.Time
	ServiceDate string
	CompletedAt *time.Time
}

// Register is the SIMFONI-PPA register of a period and region.
type Register struct {
	Rows       []RegisterRow
	Services   []RegisterServiceRow
	Referrals  []RegisterReferral
	Identities bool // some row has its identities
}

// Identity-export grant states.
const (
	GrantRequested = "diminta"
	GrantApproved  = "disetujui"
	GrantRefused   = "ditolak"
	GrantUsed      = "dipakai"
	GrantExpired   = "kedaluwarsa"
)

// GrantWindow is how long an approved identity export stays downloadable.
const GrantWindow = 24 * time.Hour

// RegisterGrant is a data officer's request to export the register with
// identities for a period and region, which a supervisor other than the
// requester approves. The approval seals the identities of the cases the
// supervisor holds to the requester, who may download them once within
// GrantWindow.
type RegisterGrant struct {
	ID          string
	RequestedBy int64
	Requester   string
	RequestedAt time.Time
	Filter      StatsFilter
	Reason      string // why the export needs identities; names no person
	Status      string
	DecidedBy   string
	DecidedAt   *time.Time
	ExpiresAt   *time.Time
	UsedAt      *time.Time
	Cases       int // cases whose identities were sealed
}

// ValidateGrantRequest checks a request's period, region and reason.
func ValidateGrantRequest(f *StatsFilter, reason string) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(reason); n < 10 || n > MaxShortText || !utf8.ValidString(reason) {
		return &Error{Code: EINVALID, Message: "say in a sentence why the export needs identities", Fields: map[string]string{"reason": "grant.err.reason"}}
	}
	return nil
}
