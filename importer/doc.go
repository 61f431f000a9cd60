// Package importer turns the files administrators hand to numsync into
// domain values: assignment sheets into [numsync.Wish] values, Microsoft's
// number exports into [numsync.InventoryRecord] values, and user and
// emergency-location exports into [numsync.User] and
// [numsync.EmergencyLocation] values.
//
// Every importer reads through one CSV dialect layer ([Reader]) that accepts
// files as spreadsheets and PowerShell write them: UTF-8 with or without a
// byte order mark, UTF-16 "Unicode text", comma, semicolon or tab
// delimiters, CRLF line ends and quoted cells that span lines. Problems are
// reported per row as [RowError] values carrying file, physical line and
// column, so one bad row never hides the good ones.
//
// The package reads; it must not decide. It does not look at the store,
// does not apply domain rules beyond what a single row (or, for sheets, the
// set of rows) says, and does not write anything: cmd/numsync hands its
// results to the store and the planner.
package importer
