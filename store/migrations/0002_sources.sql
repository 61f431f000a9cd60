-- The content digest of each input last loaded (inventory, users, locations
-- exports), so that a run can leave an unchanged export alone: re-loading
-- an old export would put back assignments numsync has changed since.
CREATE TABLE sources (
	name        TEXT PRIMARY KEY,
	digest      TEXT NOT NULL,
	recorded_at TEXT NOT NULL
) STRICT;
