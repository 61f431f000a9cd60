-- The last tick of `numsync schedule` that a scheduler claimed, so that
-- schedulers on several hosts sharing one store run each tick once: the
-- first to claim it runs it, the others skip it.
CREATE TABLE schedule_tick (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    tick       TEXT NOT NULL,
    holder     TEXT NOT NULL,
    claimed_at TEXT NOT NULL
);
