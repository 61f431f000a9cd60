-- user_inactive holds, for each user seen disabled or absent, when the
-- store first saw it so; the row goes when the account is enabled and
-- present again. The leavers policy removes the numbers of users inactive
-- for longer than it allows. Triggers keep it whichever import changes
-- the flags; users already inactive count from this migration.
CREATE TABLE IF NOT EXISTS user_inactive (
    upn_key TEXT PRIMARY KEY,
    since   TEXT NOT NULL
) WITHOUT ROWID;

INSERT OR IGNORE INTO user_inactive (upn_key, since)
SELECT upn_key, strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z' FROM users WHERE enabled = 0 OR absent = 1;

CREATE TRIGGER IF NOT EXISTS users_inactive_on_insert AFTER INSERT ON users
WHEN NEW.enabled = 0 OR NEW.absent = 1
BEGIN
    INSERT OR IGNORE INTO user_inactive (upn_key, since) VALUES (NEW.upn_key, strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z');
END;

CREATE TRIGGER IF NOT EXISTS users_inactive_on_update AFTER UPDATE OF enabled, absent ON users
WHEN NEW.enabled = 0 OR NEW.absent = 1
BEGIN
    INSERT OR IGNORE INTO user_inactive (upn_key, since) VALUES (NEW.upn_key, strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z');
END;

CREATE TRIGGER IF NOT EXISTS users_active_again AFTER UPDATE OF enabled, absent ON users
WHEN NEW.enabled = 1 AND NEW.absent = 0
BEGIN
    DELETE FROM user_inactive WHERE upn_key = NEW.upn_key;
END;
