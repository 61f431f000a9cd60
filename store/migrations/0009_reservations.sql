-- Numbers kept for one identity (upn) or for a purpose a note names,
-- until a time (NULL: until released), and the log of every change.
CREATE TABLE IF NOT EXISTS reservations (
    number      TEXT PRIMARY KEY CHECK (number GLOB '+[1-9]*'),
    upn         TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    until       TEXT,
    reserved_by TEXT NOT NULL,
    reserved_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS reservation_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('reserve', 'release')),
    number TEXT NOT NULL,
    upn    TEXT NOT NULL DEFAULT '',
    note   TEXT NOT NULL DEFAULT '',
    until  TEXT
);
