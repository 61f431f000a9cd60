// Package graph talks to Microsoft Graph v1.0 for numsync: it reads the
// tenant's telephone numbers (numberAssignments) and its users and resource
// accounts (/users) as numsync's domain values, and carries applied runs out
// in Teams (assignNumber, unassignNumber, updateNumber, and the long-running
// operations they start), recording each operation's fate.
//
// Tokens come from the Azure SDK's azidentity (client secret, certificate
// or managed identity); nothing here speaks OAuth itself. The package
// imports only the root package; cmd/numsync wires it to the store.
// graphtest holds the contract server the tests run it against.
package graph
