-- 0012 for PostgreSQL: as ../0012_schedule_tick.sql.
CREATE TABLE schedule_tick (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    tick       TEXT COLLATE "C" NOT NULL,
    holder     TEXT COLLATE "C" NOT NULL,
    claimed_at TEXT COLLATE "C" NOT NULL
);
