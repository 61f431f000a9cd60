-- 0005 for PostgreSQL: as ../0005_source_modified.sql.
ALTER TABLE sources ADD COLUMN modified TEXT COLLATE "C";
