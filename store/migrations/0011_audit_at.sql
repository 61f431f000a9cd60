-- Capacity reads the numbers taken in the last weeks from the audit log
-- by time.
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
