-- 0003 for PostgreSQL: as ../0003_directory_roles.sql.
CREATE TABLE directory_roles (
    principal_key TEXT COLLATE "C" NOT NULL CHECK (principal_key <> '' AND principal_key = lower(principal_key)),
    principal     TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" NOT NULL CHECK (role IN ('TeamsAdministrator', 'TeamsCommunicationsAdministrator', 'TeamsTelephonyAdministrator')),
    PRIMARY KEY (principal_key, role)
);
