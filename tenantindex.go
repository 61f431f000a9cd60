package numsync

// TenantIndex finds a tenant's users, inventory numbers and their holders
// by key. A plan and its reports look up the same things in the same
// snapshot; building the index once and handing it to both saves a pass
// over the tenant and a second set of maps as large as the tenant.
//
// The index points into the tenant: it must not be changed while the
// index is in use.
type TenantIndex struct {
	tenant  *Tenant
	users   map[string]*User            // by UPN key
	numbers map[string]*InventoryNumber // by Number.String()
	holders map[string]*Assignment      // by Number.String()
}

// NewTenantIndex indexes t; nil indexes an empty tenant.
func NewTenantIndex(t *Tenant) *TenantIndex {
	if t == nil {
		t = &Tenant{}
	}
	x := &TenantIndex{
		tenant:  t,
		users:   make(map[string]*User, len(t.Users)),
		numbers: make(map[string]*InventoryNumber, len(t.Numbers)),
		holders: make(map[string]*Assignment, len(t.Assignments)),
	}
	for i := range t.Users {
		x.users[t.Users[i].Key()] = &t.Users[i]
	}
	for i := range t.Numbers {
		x.numbers[t.Numbers[i].Number.String()] = &t.Numbers[i]
	}
	for i := range t.Assignments {
		x.holders[t.Assignments[i].Number.String()] = &t.Assignments[i]
	}
	return x
}

// IndexOf returns x when it indexes t, else a new index of t: callers
// that may be handed an index take it without trusting it.
func IndexOf(x *TenantIndex, t *Tenant) *TenantIndex {
	if x != nil && x.tenant == t {
		return x
	}
	return NewTenantIndex(t)
}

// Tenant is the indexed tenant (an empty one for a nil tenant).
func (x *TenantIndex) Tenant() *Tenant { return x.tenant }

// User is the user or resource account whose [UPNKey] is key, or nil.
func (x *TenantIndex) User(key string) *User { return x.users[key] }

// Number is the inventory number whose [Number.String] is key, or nil.
func (x *TenantIndex) Number(key string) *InventoryNumber { return x.numbers[key] }

// Holder is the assignment of the number whose [Number.String] is key
// (the last one read if the tenant has several), or nil when it is free.
func (x *TenantIndex) Holder(key string) *Assignment { return x.holders[key] }
