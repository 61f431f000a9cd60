package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/numsync/numsync"
)

// IsURL reports whether target names a PostgreSQL database
// (postgres://… or postgresql://…) rather than a SQLite file.
func IsURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// OpenPostgres opens the store in the PostgreSQL database at rawURL and
// brings its schema up to date. Only with create does it make the store's
// tables in a database that has none (numsync init); otherwise such a
// database is a [*MissingError]. A non-empty password replaces the URL's;
// without either, pgx looks in PGPASSWORD and the pgpass file, as libpq
// does. A URL without sslmode gets verify-full: the server's certificate
// must be signed by a trusted CA (sslrootcert, else the system's) and name
// the host. Any sslmode the URL states is respected.
func OpenPostgres(ctx context.Context, rawURL, password string, create bool) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !IsURL(rawURL) {
		return nil, fmt.Errorf("open store: %q is not a postgres:// URL", RedactURL(rawURL))
	}
	shown := RedactURL(rawURL)
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "verify-full")
		u.RawQuery = q.Encode()
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", shown, err)
	}
	if password != "" {
		cfg.Password = password
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	s := &Store{db: db, eng: postgresEngine, path: shown, clock: numsync.SystemClock}
	if !create {
		v, err := s.eng.version(ctx, db)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open store %s: %w", shown, err)
		}
		if v == 0 {
			db.Close()
			return nil, &MissingError{Path: shown}
		}
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", shown, err)
	}
	return s, nil
}

// RedactURL drops the password from a URL, for messages and logs.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}

// pgConnector hands out pgx connections that take the store's SQLite-style
// parameters.
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is a pgx connection whose statements are rebound on their way in;
// every other method is pgx's own.
type pgConn struct{ *stdlib.Conn }

func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// rebind turns SQLite's parameters into PostgreSQL's: "?N" into "$N" and
// each bare "?" into the next "$N". Quoted text and identifiers are left
// alone; the store's statements use no "?" operator of PostgreSQL's.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteByte('$')
				b.WriteString(q[i+1 : j])
				i = j - 1
				continue
			}
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// checkPostgres is [Store.Check] on PostgreSQL. The server guards its own
// files (and checks pages as it reads them where the cluster has data
// checksums), so the quick check that write commands run has nothing to
// do; the full check reads every row of every table through the server,
// which fails on a page it cannot read.
func (s *Store) checkPostgres(ctx context.Context, quick bool) error {
	if quick {
		return nil
	}
	return s.read(ctx, func(tx *sql.Tx) error {
		for _, t := range copyTables {
			var n int64
			// Our own table names, never input.
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT * FROM "+t.name+") AS t").Scan(&n); err != nil {
				return fmt.Errorf("check store %s: reading %s: %w", s.path, t.name, err)
			}
		}
		return nil
	})
}
