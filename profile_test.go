package spiker

import "testing"

func TestProfileNIP(t *testing.T) {
	p := Profile{FullName: " Drs.  Ahmad Fauzi ", Position: "Kepala UPTD PPA", NIP: "19720315.199803 1 002"}
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.NIP != "197203151998031002" || p.FullName != "Drs. Ahmad Fauzi" {
		t.Fatalf("normalized %+v", p)
	}
	if got := FormatNIP(p.NIP); got != "19720315 199803 1 002" {
		t.Errorf("FormatNIP = %q", got)
	}
	for _, nip := range []string{"", "1", "19720315199803100", "1972031519980310021", "19720231199803 1 002", "19720315 199800 1 002",
		"19720315 199803 0 002", "19720315 199803 1 000", "１９７２０３１５１９９８０３１００２"} {
		q := Profile{FullName: "A", NIP: nip}
		q.Normalize()
		if err := q.Validate(); (err == nil) != (nip == "") {
			t.Errorf("NIP %q: %v", nip, err)
		}
	}
	if err := (&Profile{FullName: "tab\there"}).Validate(); ErrorFields(err)["full_name"] == "" {
		t.Errorf("a control character in the name: %v", err)
	}
}
