package api

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// FuzzDecodeReport feeds arbitrary bodies to the JSON decoder of reports:
// no panic, and either a decoded request or an EINVALID error.
func FuzzDecodeReport(f *testing.F) {
	f.Add([]byte(`{"reporter_role":"korban","description":"x","violence_types":["Fisik"],"kecamatan_code":"35.24.22","in_danger":true,"consent":true,"contact":{"channel":"sms","number":"0812345678"}}`))
	f.Add([]byte(`{"victim_age": 1e999}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"contact": null} trailing`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/reports", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		var v reportRequest
		if err := decode(httptest.NewRecorder(), req, &v); err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}
	})
}
