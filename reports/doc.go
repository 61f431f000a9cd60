// Package reports writes the files a person or a monitoring system reads
// after numsync planned or applied a run (README, "Outputs"): the summary,
// CSV listings of the plan, its rejects and blocked rows, the reconciliation
// of sheets against the store, the Active Directory clean-up lists, a Teams
// PowerShell script of the plan, a self-contained HTML review page and
// Prometheus metrics.
//
// The package works from the root domain values only ([numsync.Plan],
// [numsync.Tenant], [numsync.Wish], [numsync.Run]); it never reads sheets,
// the store or the directory itself, and it never writes plan.json, which
// belongs to the planner. Every file is written atomically, so a reader (a
// person, Excel, node_exporter's textfile collector) never sees half a file.
//
// Output is hostile-input safe by construction: CSV cells a spreadsheet could
// run as a formula are neutralised, PowerShell arguments are single-quoted,
// LDIF distinguished names are base64-encoded when RFC 2849 requires it, the
// HTML page escapes every value with html/template and only runs its own
// script (pinned by hash in a Content-Security-Policy), and Prometheus label
// values are escaped.
package reports
