package spiker

import (
	"strings"
	"time"
)

// RegionLevel is the depth of an administrative area in Indonesia's
// hierarchy: province ⊃ regency/city ⊃ kecamatan ⊃ desa/kelurahan.
type RegionLevel int

const (
	LevelProvince RegionLevel = 1 // provinsi
	LevelRegency  RegionLevel = 2 // kabupaten / kota
	LevelDistrict RegionLevel = 3 // kecamatan
	LevelVillage  RegionLevel = 4 // desa / kelurahan
)

// Region is an administrative area with its Kemendagri code, e.g. "35.24"
// (Kabupaten Lamongan) or "35.24.22.1012" (Kelurahan Sukorejo).
type Region struct {
	Code string
	Name string
}

// Level returns the region's depth, derived from its code.
func (r Region) Level() RegionLevel { return RegionLevel(strings.Count(r.Code, ".") + 1) }

// ParentCode returns the code of the enclosing region, or "" for a province.
func (r Region) ParentCode() string { return ParentRegionCode(r.Code) }

// IsKelurahan reports whether a village is a kelurahan (an urban village run by
// the regency) rather than a desa; Kemendagri marks it with a 1 as the first
// digit of the village part of the code.
func (r Region) IsKelurahan() bool {
	return r.Level() == LevelVillage && r.Code[len(r.Code)-4] == '1'
}

// ParentRegionCode returns the parent of a region code, or "" for a province.
func ParentRegionCode(code string) string {
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return ""
	}
	return code[:i]
}

// RegionContains reports whether the region with code outer contains (or is)
// the region with code inner. Scope checks use it: a kecamatan officer's
// scope "35.24.22" contains the desa "35.24.22.2001".
func RegionContains(outer, inner string) bool {
	return inner == outer || strings.HasPrefix(inner, outer+".")
}

// ValidRegionCodeSyntax reports whether code has the shape of a Kemendagri
// code: 2 digits, then optionally .2 digits, .2 digits and .4 digits.
func ValidRegionCodeSyntax(code string) bool {
	widths := []int{2, 2, 2, 4}
	parts := strings.Split(code, ".")
	if len(parts) > len(widths) {
		return false
	}
	for i, p := range parts {
		if len(p) != widths[i] {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// RegionDirectory looks up administrative areas. It is read-only reference
// data, embedded in the binary.
type RegionDirectory interface {
	// Region returns the region with the given code, or ENOTFOUND.
	Region(code string) (Region, error)
	// Children returns the regions directly below code, in code order.
	Children(code string) []Region
	// Search returns up to limit regions under the region within whose name
	// contains the query (case-insensitive), in code order.
	Search(within, query string, limit int) []Region
}

// IncidentRegion checks a report's kecamatan (required, inside the
// deployment's regency) and desa (optional, inside that kecamatan) and
// returns the most precise code, or the message key for the wrong field.
func IncidentRegion(dir RegionDirectory, regency, kecamatan, desa string) (code, field, key string) {
	k, err := dir.Region(kecamatan)
	if err != nil || k.Level() != LevelDistrict || k.ParentCode() != regency {
		return "", "kecamatan", "report.err.kecamatan"
	}
	if desa == "" {
		return kecamatan, "", ""
	}
	if d, err := dir.Region(desa); err != nil || d.ParentCode() != kecamatan {
		return kecamatan, "desa", "report.err.desa"
	}
	return desa, "", ""
}

// TimeZone returns the Indonesian time zone of a region, from its province:
// WITA (UTC+8) for Bali, Nusa Tenggara, South, East and North Kalimantan
// and Sulawesi; WIT (UTC+9) for Maluku and Papua; WIB (UTC+7) elsewhere.
// Indonesia has no daylight saving, so fixed zones are exact.
func TimeZone(code string) *time.Location {
	switch province, _, _ := strings.Cut(code, "."); province {
	case "51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76":
		return time.FixedZone("WITA", 8*3600)
	case "81", "82", "91", "92", "93", "94", "95", "96":
		return time.FixedZone("WIT", 9*3600)
	}
	return time.FixedZone("WIB", 7*3600)
}
