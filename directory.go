package numsync

import "context"

// Directory is a source of users: the on-premises Active Directory over LDAP
// or an LDIF export of it. Users are streamed, one call of fn each; an error
// from fn stops the walk and is returned.
type Directory interface {
	Users(ctx context.Context, fn func(User) error) error
}
