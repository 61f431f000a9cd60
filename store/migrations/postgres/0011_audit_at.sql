-- 0011 for PostgreSQL: as ../0011_audit_at.sql.
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
