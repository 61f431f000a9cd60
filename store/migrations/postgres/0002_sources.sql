-- 0002 for PostgreSQL: as ../0002_sources.sql.
CREATE TABLE sources (
    name        TEXT COLLATE "C" PRIMARY KEY,
    digest      TEXT COLLATE "C" NOT NULL,
    recorded_at TEXT COLLATE "C" NOT NULL
);
