-- What Teams showed for each number when numsync last read the tenant
-- (Graph numberAssignments, or the read-back after a push). It is kept
-- apart from the assignments, which are what runs applied: the two differ
-- until a push lands, when one failed, and when Teams was changed by hand.
CREATE TABLE observed_numbers (
    number           TEXT PRIMARY KEY,
    holder_id        TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    location_id      TEXT NOT NULL DEFAULT '',
    activation_state TEXT NOT NULL DEFAULT '',
    at               TEXT NOT NULL
) WITHOUT ROWID;
