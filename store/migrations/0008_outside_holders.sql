-- A number the inventory export says is held by an identity numsync does
-- not know (a cloud-only user, a resource account, a conference bridge)
-- keeps that holder here: it is taken, not free. A users import that
-- brings an identity with this object id turns it into an assignment.
ALTER TABLE numbers ADD COLUMN outside_id TEXT NOT NULL DEFAULT '';
ALTER TABLE numbers ADD COLUMN outside_type TEXT NOT NULL DEFAULT '';
ALTER TABLE numbers ADD COLUMN outside_category TEXT NOT NULL DEFAULT '';
CREATE INDEX numbers_outside ON numbers (outside_id) WHERE outside_id <> '';
