-- 0011 for PostgreSQL: as ../0011_audit_at.sql.
CREATE INDEX audit_at ON audit (at);
