-- 0006 for PostgreSQL: as ../0006_audit_reason.sql.
ALTER TABLE audit ADD COLUMN reason TEXT COLLATE "C" NOT NULL DEFAULT '';
