-- Admin roles that the directory grants through group membership
-- (directory.role_groups). A directory sync replaces them all; the roles
-- table keeps the grants made by hand.
CREATE TABLE directory_roles (
    principal_key TEXT NOT NULL CHECK (principal_key <> '' AND principal_key = lower(principal_key)),
    principal     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('TeamsAdministrator', 'TeamsCommunicationsAdministrator', 'TeamsTelephonyAdministrator')),
    PRIMARY KEY (principal_key, role)
) WITHOUT ROWID;
