package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Application permissions numsync needs, as Graph names them.
const (
	PermNumbers = "TeamsTelephoneNumber.ReadWrite.All"
	PermUsers   = "User.Read.All"
)

// RequiredPermissions are the application permissions the app
// registration needs, with admin consent.
var RequiredPermissions = []string{PermNumbers, PermUsers}

// CheckResult is what `numsync teams check` found.
type CheckResult struct {
	Granted []string // application permissions (roles) in the token
	Missing []string // required permissions the token lacks
	Numbers int      // numbers on the first page read
	Users   int      // users on the first page read
}

// Check gets a token, reads the permissions it carries, and reads one page
// of numbers and of users. Only the token error stops it early: a missing
// permission is reported in the result, and a page that cannot be read is
// returned as the error after the result is filled.
func (c *Client) Check(ctx context.Context) (CheckResult, error) {
	var res CheckResult
	tok, _, err := c.token(ctx)
	if err != nil {
		return res, err
	}
	res.Granted = tokenRoles(tok)
	for _, p := range RequiredPermissions {
		if !slices.ContainsFunc(res.Granted, func(g string) bool { return strings.EqualFold(g, p) }) {
			res.Missing = append(res.Missing, p)
		}
	}
	var p page[NumberAssignment]
	if err := c.getJSON(ctx, c.url(PathNumbers, url.Values{"$top": {"1"}}), &p); err != nil {
		return res, fmt.Errorf("reading numbers: %w", err)
	}
	res.Numbers = len(p.Value)
	var u page[User]
	if err := c.getJSON(ctx, c.url(PathUsers, url.Values{"$select": {userSelect}, "$top": {"1"}}), &u); err != nil {
		return res, fmt.Errorf("reading users: %w", err)
	}
	res.Users = len(u.Value)
	return res, nil
}

// tokenRoles reads the "roles" claim of an access token: the application
// permissions an admin consented to. The token is not verified here (Graph
// does that); a token numsync cannot read gives no roles.
func tokenRoles(tok string) []string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if json.Unmarshal(b, &claims) != nil {
		return nil
	}
	slices.Sort(claims.Roles)
	return claims.Roles
}
