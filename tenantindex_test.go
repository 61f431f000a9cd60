package numsync

import "testing"

func TestTenantIndex(t *testing.T) {
	ten := &Tenant{
		Users:   []User{{UPN: "Ada@Contoso.com"}},
		Numbers: []InventoryNumber{{Number: Number{E164: "+14255550100"}}, {Number: Number{E164: "+14255550100", Ext: "7"}}},
		Assignments: []Assignment{
			{UPN: "Ada@Contoso.com", Number: Number{E164: "+14255550100", Ext: "7"}},
		},
	}
	x := NewTenantIndex(ten)
	if u := x.User("ada@contoso.com"); u != &ten.Users[0] {
		t.Errorf("User by UPN key = %v, want the tenant's user", u)
	}
	if u := x.User("Ada@Contoso.com"); u != nil {
		t.Errorf("User takes the UPN key, not the UPN as written; got %v", u)
	}
	if n := x.Number("+14255550100;ext=7"); n != &ten.Numbers[1] {
		t.Errorf("an extension is a number of its own; got %v", n)
	}
	if a := x.Holder("+14255550100"); a != nil {
		t.Errorf("the base number is free, got holder %v", a)
	}
	if a := x.Holder("+14255550100;ext=7"); a != &ten.Assignments[0] {
		t.Errorf("Holder = %v, want the assignment", a)
	}
	if IndexOf(x, ten) != x {
		t.Error("IndexOf built a new index for the tenant x indexes")
	}
	other := &Tenant{}
	if y := IndexOf(x, other); y == x || y.Tenant() != other {
		t.Error("IndexOf trusted an index of another tenant")
	}
	if y := IndexOf(nil, nil); y.Tenant() == nil || y.User("ada@contoso.com") != nil {
		t.Error("a nil tenant is indexed as an empty one")
	}
}
