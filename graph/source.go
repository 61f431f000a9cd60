package graph

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/numsync/numsync"
)

// Paths of the Graph resources numsync uses, below the v1.0 root.
const (
	PathNumbers    = "/admin/teams/telephoneNumberManagement/numberAssignments"
	PathAssign     = PathNumbers + "/assignNumber"
	PathUnassign   = PathNumbers + "/unassignNumber"
	PathUpdate     = PathNumbers + "/updateNumber"
	PathOperations = "/admin/teams/telephoneNumberManagement/operations"
	PathUsers      = "/users"
)

// NumberAssignment is Graph's teamsAdministration.numberAssignment: one
// telephone number of the tenant and who holds it.
type NumberAssignment struct {
	ID                       string   `json:"id,omitempty"`
	TelephoneNumber          string   `json:"telephoneNumber"`
	OperatorID               string   `json:"operatorId,omitempty"`
	NumberType               string   `json:"numberType"`
	ActivationState          string   `json:"activationState"`
	Capabilities             []string `json:"capabilities"`
	LocationID               string   `json:"locationId,omitempty"`
	CivicAddressID           string   `json:"civicAddressId,omitempty"`
	AssignmentTargetID       string   `json:"assignmentTargetId,omitempty"`
	AssignmentCategory       string   `json:"assignmentCategory,omitempty"`
	AssignmentStatus         string   `json:"assignmentStatus"`
	IsoCountryCode           string   `json:"isoCountryCode,omitempty"`
	City                     string   `json:"city,omitempty"`
	NumberSource             string   `json:"numberSource,omitempty"`
	SupportedCustomerActions []string `json:"supportedCustomerActions,omitempty"`
}

// Activation states and assignment statuses numsync reads.
const (
	ActivationActivated        = "activated"
	ActivationAssignmentFailed = "assignmentFailed"
	StatusUnassigned           = "unassigned"
)

// Record maps the number to numsync's inventory model. The holder is the
// assignment target (a user's or resource account's object id).
func (a NumberAssignment) Record() (numsync.InventoryRecord, error) {
	var ir numsync.InventoryRecord
	typ, err := numsync.ParseNumberType(a.NumberType)
	if err != nil || typ == "" {
		return ir, fmt.Errorf("number %s: numberType %q is not one numsync knows", a.TelephoneNumber, a.NumberType)
	}
	cc := strings.ToUpper(a.IsoCountryCode)
	n, err := numsync.ParseNumber(a.TelephoneNumber, cc)
	if err != nil {
		return ir, fmt.Errorf("number %s: %w", a.TelephoneNumber, err)
	}
	if cc == "" {
		cc = n.Country()
	}
	caps := make([]numsync.Capability, 0, len(a.Capabilities))
	for _, c := range a.Capabilities {
		caps = append(caps, numsync.ParseCapabilities(c)...)
	}
	src := numsync.SourceOnline
	if strings.EqualFold(a.NumberSource, "onPremises") || (a.NumberSource == "" && typ == numsync.DirectRouting) {
		src = numsync.SourceOnPremises
	}
	ir.InventoryNumber = numsync.InventoryNumber{
		Number: n, Type: typ, Country: cc, Capabilities: caps, LocationID: a.LocationID,
		// An operator that manages the emergency address does not offer
		// the locationUpdate action on the number (rule R14).
		LocationUpdateSupported: typ != numsync.OperatorConnect || slices.ContainsFunc(a.SupportedCustomerActions, func(s string) bool {
			return strings.EqualFold(s, "locationUpdate")
		}),
		Operator: a.OperatorID, Source: src, ActivationState: a.ActivationState,
	}
	ir.Source = numsync.Source{File: "graph:numberAssignments"}
	if a.AssignmentTargetID != "" && !strings.EqualFold(a.AssignmentStatus, StatusUnassigned) {
		cat, err := numsync.ParseCategory(a.AssignmentCategory)
		if err != nil {
			return ir, fmt.Errorf("number %s: %w", a.TelephoneNumber, err)
		}
		ir.HolderID, ir.Category = a.AssignmentTargetID, cat
		ir.HolderType = numsync.HolderType("", a.AssignmentStatus)
	}
	return ir, nil
}

// Numbers reads every number of the tenant, a page of up to 1000 at a
// time as the service pages them, and hands each to fn as an inventory
// record. A number numsync cannot read is reported as a problem and left
// out; it never stops the others.
func (c *Client) Numbers(ctx context.Context, fn func(numsync.InventoryRecord) error) ([]numsync.Issue, error) {
	var problems []numsync.Issue
	err := c.numberAssignments(ctx, url.Values{"$top": {strconv.Itoa(maxPageSize)}}, func(a NumberAssignment) error {
		r, err := a.Record()
		if err != nil {
			problems = append(problems, numsync.Issue{Code: numsync.BadRow, Number: a.TelephoneNumber, File: "graph:numberAssignments",
				Message: err.Error() + "; the number was skipped", Hint: "look the number up in the Teams admin center"})
			return nil
		}
		return fn(r)
	})
	return problems, err
}

func (c *Client) numberAssignments(ctx context.Context, q url.Values, fn func(NumberAssignment) error) error {
	return list(ctx, c, c.url(PathNumbers, q), fn)
}

// Number reads the live assignment of one number; found is false when the
// tenant does not have it.
func (c *Client) Number(ctx context.Context, n numsync.Number) (a NumberAssignment, found bool, err error) {
	q := url.Values{"$filter": {"telephoneNumber eq '" + n.String() + "'"}}
	err = c.numberAssignments(ctx, q, func(x NumberAssignment) error {
		a, found = x, true
		return nil
	})
	return a, found, err
}

// User is the part of Graph's user resource numsync reads. Licences are
// read from assignedPlans (service plans), which say more than the SKUs of
// assignedLicenses.
type User struct {
	ID                    string         `json:"id"`
	UserPrincipalName     string         `json:"userPrincipalName"`
	DisplayName           string         `json:"displayName,omitempty"`
	Mail                  string         `json:"mail,omitempty"`
	UsageLocation         string         `json:"usageLocation,omitempty"`
	AccountEnabled        bool           `json:"accountEnabled"`
	OnPremisesSyncEnabled *bool          `json:"onPremisesSyncEnabled"`
	AssignedPlans         []AssignedPlan `json:"assignedPlans,omitempty"`
}

// AssignedPlan is one service plan of a user's licences.
type AssignedPlan struct {
	ServicePlanID    string `json:"servicePlanId"`
	Service          string `json:"service,omitempty"`
	CapabilityStatus string `json:"capabilityStatus"`
}

// Service plans that matter to telephony, by their documented ids.
const (
	PlanTeamsPhone      = "4828c8ec-dc2e-4779-b502-87ac9ce28ab7" // MCOEV
	PlanResourceAccount = "f47330e9-c134-43b3-9993-e7f004506889" // MCOEV_VIRTUALUSER
	PlanCallingPlan     = "4ed3ff63-69d7-4fb7-b984-5aec7f605ca8" // MCOPSTN1
	PlanCallingPlanIntl = "5a10155d-f5c1-411a-a8ec-e99aae125390" // MCOPSTN2
	userSelect          = "id,userPrincipalName,displayName,mail,usageLocation,accountEnabled,assignedPlans,onPremisesSyncEnabled"
	usersPageSize       = 999
)

// SourceGraph is the [numsync.User.Source] of users read from Graph.
const SourceGraph = "graph"

// Domain maps the Graph user to numsync's user: licences from the enabled
// service plans, a resource account by its Teams Phone Resource Account
// plan (and enabled whatever accountEnabled says).
func (u User) Domain() numsync.User {
	d := numsync.User{
		UPN: u.UserPrincipalName, DisplayName: u.DisplayName, Mail: u.Mail, ObjectID: u.ID,
		Kind: numsync.KindUser, UsageLocation: strings.ToUpper(u.UsageLocation), Enabled: u.AccountEnabled,
		Source: SourceGraph,
	}
	for _, p := range u.AssignedPlans {
		if !strings.EqualFold(p.CapabilityStatus, "Enabled") {
			continue
		}
		switch strings.ToLower(p.ServicePlanID) {
		case PlanTeamsPhone:
			d.Licenses = append(d.Licenses, numsync.LicenseTeamsPhone)
		case PlanResourceAccount:
			// A resource account's sign-in is blocked by design
			// (accountEnabled false): that does not stop it holding a
			// number, so it is not a disabled user to rule R3.
			d.Kind, d.Enabled = numsync.KindResource, true
			d.Licenses = append(d.Licenses, numsync.LicenseTeamsPhone)
		case PlanCallingPlan, PlanCallingPlanIntl:
			d.Licenses = append(d.Licenses, numsync.LicenseCallingPlan)
		}
	}
	slices.Sort(d.Licenses)
	d.Licenses = slices.Compact(d.Licenses)
	return d
}

// Synced reports whether the user comes from on-premises AD.
func (u User) Synced() bool { return u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled }

// Users reads every user and resource account of the tenant with the
// properties numsync needs ($select), page by page.
func (c *Client) Users(ctx context.Context, fn func(User) error) error {
	q := url.Values{"$select": {userSelect}, "$top": {strconv.Itoa(usersPageSize)}}
	return list(ctx, c, c.url(PathUsers, q), fn)
}
