-- 0001: the tenant, its revision, runs, audit, roles, outbox and the writer lock.
--
-- Times are TEXT in one fixed-width UTC layout (2006-01-02T15:04:05.000000000Z)
-- so that they sort and compare as strings and stay readable in the sqlite3 shell.
-- Lists (licences, capabilities) are comma-separated TEXT: they are read and
-- written whole, never queried by element.

-- meta holds the one row with the store revision: +1 per committed change.
CREATE TABLE meta (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL CHECK (revision >= 0)
);
INSERT INTO meta (id, revision) VALUES (1, 0);

CREATE TABLE users (
    upn_key          TEXT PRIMARY KEY CHECK (upn_key <> '' AND upn_key = lower(upn_key)),
    upn              TEXT NOT NULL,
    display_name     TEXT NOT NULL DEFAULT '',
    mail             TEXT NOT NULL DEFAULT '',
    object_id        TEXT NOT NULL DEFAULT '',
    -- object_id lower-cased without a "User_" prefix: how inventory holders are matched.
    object_key       TEXT NOT NULL DEFAULT '',
    dn               TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL CHECK (kind IN ('user', 'resource')),
    usage_location   TEXT NOT NULL DEFAULT '',
    enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    licenses         TEXT NOT NULL DEFAULT '',
    onprem_line      TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL DEFAULT '',
    absent           INTEGER NOT NULL DEFAULT 0 CHECK (absent IN (0, 1)),
    enterprise_voice INTEGER NOT NULL DEFAULT 0 CHECK (enterprise_voice IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX users_object_key ON users (object_key) WHERE object_key <> '';
CREATE INDEX users_source ON users (source, absent);

-- numbers is the inventory. A Direct Routing base number may be split into
-- extensions held by different identities, so the key is number + extension.
CREATE TABLE numbers (
    e164                      TEXT NOT NULL CHECK (e164 GLOB '+[1-9]*'),
    ext                       TEXT NOT NULL DEFAULT '',
    type                      TEXT NOT NULL CHECK (type IN ('CallingPlan', 'OperatorConnect', 'DirectRouting')),
    country                   TEXT NOT NULL DEFAULT '',
    capabilities              TEXT NOT NULL DEFAULT '',
    location_id               TEXT NOT NULL DEFAULT '',
    location_update_supported INTEGER NOT NULL DEFAULT 1 CHECK (location_update_supported IN (0, 1)),
    operator                  TEXT NOT NULL DEFAULT '',
    source                    TEXT NOT NULL DEFAULT '',
    activation_state          TEXT NOT NULL DEFAULT '',
    released_at               TEXT,
    PRIMARY KEY (e164, ext),
    -- Rule R2: only Direct Routing numbers carry extensions.
    CHECK (ext = '' OR type = 'DirectRouting')
) WITHOUT ROWID;

-- locations has no foreign keys pointing at it: inventories and sheets may
-- name a location before its file is loaded, and rule R13 reports that.
CREATE TABLE locations (
    id            TEXT PRIMARY KEY CHECK (id <> ''),
    description   TEXT NOT NULL DEFAULT '',
    country       TEXT NOT NULL DEFAULT '',
    company_name  TEXT NOT NULL DEFAULT '',
    house_number  TEXT NOT NULL DEFAULT '',
    street_name   TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    state_or_prov TEXT NOT NULL DEFAULT '',
    postal_code   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- assignments: who holds which number. The emergency location and the type
-- belong to the number (numbers.location_id, numbers.type), not repeated here.
CREATE TABLE assignments (
    upn_key  TEXT NOT NULL REFERENCES users (upn_key),
    category TEXT NOT NULL CHECK (category IN ('Primary', 'Private')),
    e164     TEXT NOT NULL,
    ext      TEXT NOT NULL,
    -- at most one number per identity and category
    PRIMARY KEY (upn_key, category),
    -- a number is held by at most one identity
    UNIQUE (e164, ext),
    FOREIGN KEY (e164, ext) REFERENCES numbers (e164, ext)
) WITHOUT ROWID;

CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    actor       TEXT NOT NULL,
    started     TEXT NOT NULL,
    ended       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status <> ''),
    counts      TEXT NOT NULL, -- JSON of numsync.Counts
    plan_digest TEXT NOT NULL DEFAULT '',
    revision    INTEGER NOT NULL,
    message     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_started ON runs (started, id);

-- audit: one row per applied operation. AUTOINCREMENT so that a sequence
-- number, once handed out, is never reused and "entries after seq N" is stable.
CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id   TEXT NOT NULL REFERENCES runs (id),
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    upn_key  TEXT NOT NULL,
    category TEXT NOT NULL,
    op       TEXT NOT NULL -- JSON of numsync.Op, before and after included
);
CREATE INDEX audit_run ON audit (run_id, seq);
CREATE INDEX audit_upn ON audit (upn_key, seq);

CREATE TABLE roles (
    principal_key TEXT NOT NULL CHECK (principal_key <> '' AND principal_key = lower(principal_key)),
    principal     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('TeamsAdministrator', 'TeamsCommunicationsAdministrator', 'TeamsTelephonyAdministrator')),
    granted_at    TEXT NOT NULL,
    PRIMARY KEY (principal_key, role)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id    TEXT REFERENCES runs (id),
    upn       TEXT NOT NULL,
    rcpt      TEXT NOT NULL,
    raw       BLOB NOT NULL,
    queued_at TEXT NOT NULL,
    sent_at   TEXT
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- lock: the single-writer lock, at most one row.
CREATE TABLE lock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT NOT NULL,
    token      TEXT NOT NULL,
    since      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
