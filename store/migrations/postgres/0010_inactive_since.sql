-- 0010 for PostgreSQL: as ../0010_inactive_since.sql, the triggers as one
-- PL/pgSQL function.
CREATE TABLE user_inactive (
    upn_key TEXT COLLATE "C" PRIMARY KEY,
    since   TEXT COLLATE "C" NOT NULL
);

INSERT INTO user_inactive (upn_key, since)
SELECT upn_key, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000000Z' FROM users WHERE enabled = 0 OR absent = 1
ON CONFLICT DO NOTHING;

CREATE FUNCTION numsync_user_inactive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enabled = 0 OR NEW.absent = 1 THEN
        INSERT INTO user_inactive (upn_key, since)
        VALUES (NEW.upn_key, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000000Z')
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM user_inactive WHERE upn_key = NEW.upn_key;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_inactive_on_insert AFTER INSERT ON users
FOR EACH ROW EXECUTE FUNCTION numsync_user_inactive();
CREATE TRIGGER users_inactive_on_update AFTER UPDATE OF enabled, absent ON users
FOR EACH ROW EXECUTE FUNCTION numsync_user_inactive();
