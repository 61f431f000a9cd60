-- What became of each applied operation in Teams, as an executor (the Graph
-- client, or teams-apply.ps1 whose results were imported) last reported it.
-- An operation is its run plus its step: its position, from 1, among the
-- run's audit entries in sequence order. An operation with no row here is
-- pending.
CREATE TABLE outcomes (
    run_id        TEXT NOT NULL REFERENCES runs (id),
    step          INTEGER NOT NULL CHECK (step >= 1),
    state         TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'succeeded', 'failed', 'skipped')),
    operation_url TEXT NOT NULL DEFAULT '',
    error_code    TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    via           TEXT NOT NULL DEFAULT '',
    actor         TEXT NOT NULL DEFAULT '',
    at            TEXT,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

-- outcome_log: every outcome ever recorded, with who recorded it, so that
-- an operation's history (failed twice, then succeeded) survives the upsert.
CREATE TABLE outcome_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      TEXT NOT NULL REFERENCES runs (id),
    step        INTEGER NOT NULL,
    state       TEXT NOT NULL,
    error_code  TEXT NOT NULL,
    error       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    via         TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX outcome_log_op ON outcome_log (run_id, step, seq);

-- Runs applied before outcomes were recorded were carried out in Teams by
-- hand, with their teams-apply.ps1, and nothing recorded how that went.
-- numsync took them as done until now; they are recorded as skipped (not
-- sent by numsync) so that the next run does not send the whole history
-- again. An inventory import shows any difference from Teams as drift.
INSERT INTO outcomes (run_id, step, state, error, actor)
SELECT a.run_id, row_number() OVER (PARTITION BY a.run_id ORDER BY a.seq), 'skipped',
       'applied before numsync recorded outcomes in Teams', 'numsync upgrade'
FROM audit a JOIN runs r ON r.id = a.run_id AND r.status = 'applied';
