-- 0007 for PostgreSQL: as ../0007_observed.sql.
CREATE TABLE observed_numbers (
    number           TEXT COLLATE "C" PRIMARY KEY,
    holder_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    category         TEXT COLLATE "C" NOT NULL DEFAULT '',
    location_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
    activation_state TEXT COLLATE "C" NOT NULL DEFAULT '',
    at               TEXT COLLATE "C" NOT NULL
);
