package ldapsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
	"go.uber.org/zap"

	"github.com/numsync/numsync"
)

// Directory reads users from a live directory over LDAP or from an LDIF
// export, through one [Mapping]. It implements [numsync.Directory].
type Directory struct {
	src source
	m   *mapper
	log *zap.Logger
}

var _ numsync.Directory = (*Directory)(nil)

// source walks the entries of a directory. Each base (an LDAP base DN, or
// the one LDIF file) is walked in turn; entry and reference calls name the
// base by its index in bases.
type source interface {
	// name is the URL or file, as errors and problems name it.
	name() string
	bases() []string
	walk(ctx context.Context, entry func(base int, e *ldap.Entry, line int) error, reference func(base int, url string)) error
}

// New returns the directory cfg describes: the LDIF file cfg.LDIFFile when
// set, else the LDAP server at cfg.URL. It validates cfg (filling defaults)
// but does not connect: that happens on each walk, so a Directory can be
// kept for the life of a scheduled process. log may be nil.
func New(cfg Config, log *zap.Logger) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	m, _ := cfg.Mapping.compile(cfg.sourceName())
	d := &Directory{m: m, log: log}
	if cfg.LDIFFile != "" {
		d.src = &ldifSource{path: cfg.LDIFFile}
		return d, nil
	}
	if cfg.InsecurePlain && !cfg.StartTLS {
		log.Warn("LDAP without TLS: the bind password and the directory data cross the network in clear text (directory.insecure_plain is set)", zap.String("url", cfg.URL))
	}
	if cfg.InsecureSkipVerify {
		log.Warn("the directory server's certificate is not verified: anyone on the path can pose as it (directory.insecure_skip_verify is set)", zap.String("url", cfg.URL))
	}
	d.src = &ldapSource{cfg: cfg, attrs: m.requested(), log: log}
	return d, nil
}

// NewLDIF returns the directory held in the LDIF export at path (the output
// of ldapsearch or ldifde), read with mapping m. log may be nil.
func NewLDIF(path string, m Mapping, log *zap.Logger) (*Directory, error) {
	return New(Config{LDIFFile: path, Mapping: m}, log)
}

// Users calls fn with every user, in directory order. Entries without a
// user principal name are skipped (logged at debug level); values the
// mapping cannot use are logged as warnings and otherwise handled as
// [Record] describes. A walk that cannot finish (connection lost, server
// error, ctx cancelled) returns an error after having called fn for some
// users only: callers must collect first and import only on success, as
// [Collect] does.
func (d *Directory) Users(ctx context.Context, fn func(numsync.User) error) error {
	return d.Records(ctx, func(r Record) error {
		for _, p := range r.Problems {
			d.log.Warn("directory value not usable", zap.String("code", string(p.Code)), zap.String("upn", p.UPN),
				zap.String("attribute", p.Column), zap.String("file", p.File), zap.Int("line", p.Line),
				zap.String("problem", p.Message), zap.String("hint", p.Hint))
		}
		return fn(r.User)
	})
}

// Records is [Directory.Users] with the whole [Record] of each user: GUID,
// roles and problems, which the caller reports itself (nothing is logged
// but the summary).
func (d *Directory) Records(ctx context.Context, fn func(Record) error) error {
	stats, err := d.records(ctx, fn)
	if err != nil {
		return err
	}
	var total BaseStats
	for _, s := range stats {
		total.add(s)
	}
	d.log.Info("directory read", zap.String("source", d.src.name()), zap.Int("entries", total.Entries),
		zap.Int("users", total.Users), zap.Int("skipped_without_upn", total.Skipped),
		zap.Int("references_skipped", total.References), zap.Int("problems", total.Problems))
	return nil
}

// BaseStats counts what one base DN (or LDIF file) held.
type BaseStats struct {
	Base       string // base DN, or the LDIF file
	Entries    int    // entries the filter matched
	Users      int    // entries mapped to users
	Skipped    int    // entries without a user principal name
	Disabled   int
	Resources  int // resource accounts
	WithLine   int // users whose msRTCSIP-Line is set
	Problems   int // values the mapping could not use
	References int // continuation references skipped
}

func (s *BaseStats) add(o BaseStats) {
	s.Entries += o.Entries
	s.Users += o.Users
	s.Skipped += o.Skipped
	s.Disabled += o.Disabled
	s.Resources += o.Resources
	s.WithLine += o.WithLine
	s.Problems += o.Problems
	s.References += o.References
}

// records walks the source, mapping entries and counting per base.
func (d *Directory) records(ctx context.Context, fn func(Record) error) ([]BaseStats, error) {
	bases := d.src.bases()
	stats := make([]BaseStats, len(bases))
	for i, b := range bases {
		stats[i].Base = b
	}
	err := d.src.walk(ctx, func(base int, e *ldap.Entry, line int) error {
		s := &stats[base]
		s.Entries++
		rec, ok := d.m.mapEntry(e, d.src.name(), line)
		if !ok {
			s.Skipped++
			d.log.Debug("entry without user principal name skipped", zap.String("dn", e.DN))
			return nil
		}
		s.Users++
		s.Problems += len(rec.Problems)
		if !rec.User.Enabled {
			s.Disabled++
		}
		if rec.User.Kind == numsync.KindResource {
			s.Resources++
		}
		if rec.User.OnPremLine != "" {
			s.WithLine++
		}
		return fn(rec)
	}, func(base int, url string) {
		stats[base].References++
		d.log.Debug("continuation reference skipped", zap.String("base", bases[base]), zap.String("ref", url))
	})
	return stats, err
}

// CheckReport is what `numsync directory check` shows: where it connected,
// what each base holds, and a few users as numsync maps them.
type CheckReport struct {
	Source  string // URL or LDIF file
	Bases   []BaseStats
	Samples []Record
}

// Check connects and binds (for LDAP), reads every base, and returns its
// counts with the first samples users mapped. It reads the whole directory,
// so that the counts are what a sync would see.
func (d *Directory) Check(ctx context.Context, samples int) (*CheckReport, error) {
	rep := &CheckReport{Source: d.src.name()}
	stats, err := d.records(ctx, func(r Record) error {
		if len(rep.Samples) < samples {
			rep.Samples = append(rep.Samples, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Bases = stats
	return rep, nil
}

// Collect reads every user of dir into memory, or returns an error and no
// users at all: a directory read half-way must not be imported, or the
// users not reached would be marked absent.
func Collect(ctx context.Context, dir numsync.Directory) ([]numsync.User, error) {
	var users []numsync.User
	err := dir.Users(ctx, func(u numsync.User) error {
		users = append(users, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the directory: %w", err)
	}
	if len(users) == 0 {
		return nil, errors.New("reading the directory: no users found; check base_dns and filter (importing nothing would mark every user absent)")
	}
	return users, nil
}
