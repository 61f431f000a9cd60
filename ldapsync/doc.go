// Package ldapsync reads the users of the on-premises Active Directory, over
// LDAP or from an LDIF export of it, and turns each entry into a
// [numsync.User] through one configurable attribute mapping.
//
// The package owns the connection (TLS, bind, timeouts), paged streaming
// searches, the mapping of AD attributes (objectGUID, userAccountControl,
// memberOf, msRTCSIP-Line, msDS-ExternalDirectoryObjectId) and the LDIF
// reader. It only produces users: it never writes to the store, so the
// upsert and mark-absent semantics stay with [numsync.Store.ImportUsers], and
// a walk that fails part-way returns an error so that the caller imports
// nothing rather than half a directory.
//
// The one write it makes is to the directory, and only when asked:
// [Directory.ClearLines] deletes the msRTCSIP-Line values that an
// ad-cleanup.csv ([ReadCleanup]) lists, value by value, so that a line set
// anew since the list was made is never removed.
package ldapsync
