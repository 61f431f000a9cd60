package graph

import (
	"encoding/json"
	"testing"
)

// FuzzNumberAssignment feeds Graph's numberAssignment JSON, as the service
// or anything posing as it could send it, to the inventory mapping: it
// must give a record or an error, never panic.
func FuzzNumberAssignment(f *testing.F) {
	f.Add([]byte(`{"telephoneNumber":"+14255550101","numberType":"callingPlan","assignmentStatus":"userAssigned","assignmentTargetId":"x","assignmentCategory":"private","capabilities":["userAssignment"],"isoCountryCode":"US"}`))
	f.Add([]byte(`{"telephoneNumber":"+1425;ext=","numberType":"directRouting","assignmentStatus":"unassigned"}`))
	f.Add([]byte(`{"telephoneNumber":"","numberType":"","capabilities":[""]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a NumberAssignment
		if json.Unmarshal(b, &a) != nil {
			return
		}
		r, err := a.Record()
		if err == nil && r.Number.IsZero() {
			t.Errorf("%s: a record without a number", b)
		}
	})
}

// FuzzTokenRoles reads the roles claim of any token without panicking.
func FuzzTokenRoles(f *testing.F) {
	f.Add("eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl19.x")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) { _ = tokenRoles(tok) })
}
