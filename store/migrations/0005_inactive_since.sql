-- inactive_since is when a user was last seen turning disabled or absent
-- (NULL while the account is enabled and present): the leavers policy
-- removes the numbers of users inactive for longer than it allows. The
-- triggers keep it whichever import changes the flags.
ALTER TABLE users ADD COLUMN inactive_since TEXT;

CREATE TRIGGER users_inactive_on_insert AFTER INSERT ON users
WHEN NEW.enabled = 0 OR NEW.absent = 1
BEGIN
    UPDATE users SET inactive_since = strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z' WHERE upn_key = NEW.upn_key;
END;

CREATE TRIGGER users_inactive_on_update AFTER UPDATE OF enabled, absent ON users
WHEN (NEW.enabled = 0 OR NEW.absent = 1) AND OLD.inactive_since IS NULL
BEGIN
    UPDATE users SET inactive_since = strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z' WHERE upn_key = NEW.upn_key;
END;

CREATE TRIGGER users_active_again AFTER UPDATE OF enabled, absent ON users
WHEN NEW.enabled = 1 AND NEW.absent = 0 AND OLD.inactive_since IS NOT NULL
BEGIN
    UPDATE users SET inactive_since = NULL WHERE upn_key = NEW.upn_key;
END;
