package main

// Exit codes of numsync, so that a cron wrapper or a systemd unit can tell
// outcomes apart. They are documented in the README; never renumber them.
const (
	// ExitOK: the command did what was asked (a run applied its changes, a
	// plan was made without rejected rows).
	ExitOK = 0
	// ExitFailed: an error stopped the command; nothing half-done was kept.
	ExitFailed = 1
	// ExitUsage: bad flags, arguments or configuration.
	ExitUsage = 2
	// ExitRejected: done, but some rows were rejected or operations blocked.
	ExitRejected = 3
	// ExitHeldBack: the removal guard held the whole plan back.
	ExitHeldBack = 4
	// ExitStale: the plan was made against an older store revision.
	ExitStale = 5
	// ExitLocked: another writer holds the store lock.
	ExitLocked = 6
	// ExitNotAuthorized: the actor holds none of the admin roles.
	ExitNotAuthorized = 7
	// ExitNothingToDo: the store already is as the sheets want.
	ExitNothingToDo = 9
)
