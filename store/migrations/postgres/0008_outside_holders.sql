-- 0008 for PostgreSQL: as ../0008_outside_holders.sql.
ALTER TABLE numbers ADD COLUMN outside_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE numbers ADD COLUMN outside_type TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE numbers ADD COLUMN outside_category TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX numbers_outside ON numbers (outside_id) WHERE outside_id <> '';
