package numsync

import "testing"

func TestDiffObserved(t *testing.T) {
	tn := &Tenant{
		Users: []User{{UPN: "Ann@contoso.com", ObjectID: "OID-A"}, {UPN: "bob@contoso.com", ObjectID: "oid-b"}, {UPN: "cy@contoso.com"}},
		Assignments: []Assignment{
			{UPN: "ann@contoso.com", Category: Primary, Number: Number{E164: "+14255550101"}},
			{UPN: "bob@contoso.com", Category: Primary, Number: Number{E164: "+14255550102"}},
			{UPN: "cy@contoso.com", Category: Primary, Number: Number{E164: "+14255550105"}},
		},
	}
	obs := []ObservedNumber{
		{Number: "+14255550101", HolderID: "oid-a", ActivationState: "activated"},        // same holder, other case
		{Number: "+14255550102", HolderID: "oid-b", ActivationState: "assignmentFailed"}, // activation failed
		{Number: "+14255550103", HolderID: "oid-b"},                                      // the store has it free
		{Number: "+14255550104"}, // free on both sides
		{Number: "+14255550105"}, // held by a user without an object id
	}
	got := tn.DiffObserved(obs)
	if len(got) != 3 || got[0].Observed.Number != "+14255550102" || got[1].Observed.Number != "+14255550103" || got[1].DesiredUPN != "" ||
		got[2].Observed.Number != "+14255550105" || got[2].DesiredUPN != "cy@contoso.com" {
		t.Errorf("DiffObserved = %+v, want the failed activation, the number the store has free and the one Teams has free", got)
	}
}
