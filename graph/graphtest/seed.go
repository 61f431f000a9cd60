package graphtest

import (
	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
)

// FromRecord writes an inventory record as Graph lists the number, so a
// test can seed the server from the same export the store loads.
func FromRecord(r numsync.InventoryRecord) graph.NumberAssignment {
	a := graph.NumberAssignment{
		TelephoneNumber: r.Number.String(), OperatorID: r.Operator, NumberType: graph.EnumName(string(r.Type)),
		ActivationState: graph.ActivationActivated, LocationID: r.LocationID, IsoCountryCode: r.Country,
		NumberSource: graph.EnumName(r.InventoryNumber.Source), AssignmentStatus: graph.StatusUnassigned,
	}
	for _, c := range r.Capabilities {
		a.Capabilities = append(a.Capabilities, graph.EnumName(string(c)))
	}
	if r.LocationUpdateSupported {
		a.SupportedCustomerActions = []string{"locationUpdate"}
	}
	if r.HolderID != "" {
		assign(&a, r.HolderID, graph.EnumName(string(r.Category)))
	}
	return a
}

// FromUser writes a user as Graph lists it, with the service plans of its
// licences; synced says it comes from on-premises AD.
func FromUser(u numsync.User, synced bool) graph.User {
	g := graph.User{ID: u.ObjectID, UserPrincipalName: u.UPN, DisplayName: u.DisplayName, Mail: u.Mail,
		UsageLocation: u.UsageLocation, AccountEnabled: u.Enabled, OnPremisesSyncEnabled: &synced}
	plan := func(id string) {
		g.AssignedPlans = append(g.AssignedPlans, graph.AssignedPlan{ServicePlanID: id, CapabilityStatus: "Enabled"})
	}
	if u.Kind == numsync.KindResource {
		plan(graph.PlanResourceAccount)
	}
	for _, l := range u.Licenses {
		switch l {
		case numsync.LicenseTeamsPhone:
			if u.Kind != numsync.KindResource {
				plan(graph.PlanTeamsPhone)
			}
		case numsync.LicenseCallingPlan:
			plan(graph.PlanCallingPlan)
		}
	}
	return g
}
