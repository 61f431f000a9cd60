-- 0010 for PostgreSQL: as ../0010_inactive_since.sql, the triggers as one
-- PL/pgSQL function.
CREATE TABLE IF NOT EXISTS user_inactive (
    upn_key TEXT COLLATE "C" PRIMARY KEY,
    since   TEXT COLLATE "C" NOT NULL
);

INSERT INTO user_inactive (upn_key, since)
SELECT upn_key, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000000Z' FROM users WHERE enabled = 0 OR absent = 1
ON CONFLICT (upn_key) DO NOTHING;

CREATE OR REPLACE FUNCTION numsync_user_inactive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enabled = 0 OR NEW.absent = 1 THEN
        INSERT INTO user_inactive (upn_key, since)
        VALUES (NEW.upn_key, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000000Z')
        ON CONFLICT (upn_key) DO NOTHING;
    ELSE
        DELETE FROM user_inactive WHERE upn_key = NEW.upn_key;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS users_inactive ON users;
CREATE TRIGGER users_inactive AFTER INSERT OR UPDATE OF enabled, absent ON users
FOR EACH ROW EXECUTE FUNCTION numsync_user_inactive();
