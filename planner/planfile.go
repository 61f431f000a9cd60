package planner

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/numsync/numsync"
)

// WritePlan writes p as plan.json (schema in PLANFILE.md): indented JSON
// with a fixed field order, lists written as [] even when empty, and no
// HTML escaping, so that the same plan always gives the same bytes and a
// reviewer can read and diff it. The last field, digest, is the SHA-256 of
// the bytes before it (p.Digest is not read): apply refuses a file whose
// content no longer matches it.
//
// The bytes are those of encoding/json with two-space indentation, but the
// plan is encoded one list element at a time into a buffer on w, so the
// file is never held whole in memory (twice, with the indentation pass).
func WritePlan(w io.Writer, p *numsync.Plan) error {
	h := sha256.New()
	// The body goes to the file and into the digest at once.
	body := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	if err := encodeBody(body, p); err != nil {
		return err
	}
	if err := body.Flush(); err != nil {
		return fmt.Errorf("writing plan: %w", err)
	}
	if _, err := w.Write(digestTail(hex.EncodeToString(h.Sum(nil)))); err != nil {
		return fmt.Errorf("writing plan: %w", err)
	}
	return nil
}

// Digest returns the SHA-256 (hex) of the canonical plan.json of p up to
// its digest field: the digest the file carries, and the identity of the
// reviewed plan that runs and audit entries refer to.
func Digest(p *numsync.Plan) string {
	h := sha256.New()
	bw := bufio.NewWriterSize(h, 64<<10)
	if err := encodeBody(bw, p); err != nil || bw.Flush() != nil {
		// Every field of a plan marshals; an error here is a bug, and an
		// empty digest makes it visible in the run record.
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digestTail is how a plan file written by [WritePlan] ends: the digest
// member and the closing brace.
func digestTail(digest string) []byte {
	return []byte(",\n  \"digest\": \"" + digest + "\"\n}\n")
}

// encodeBody writes p as a json.Encoder with SetIndent("", "  ") and no
// HTML escaping writes the whole struct, field by field in the order of
// numsync.Plan's declaration (a test holds the two to the same bytes), up
// to and without the digest member and the closing brace.
func encodeBody(w *bufio.Writer, p *numsync.Plan) error {
	e := newPlanEncoder(w)
	w.WriteString("{\n")
	e.field("version", p.Version)
	e.field("revision", p.Revision)
	e.field("inputs_digest", p.InputsDigest)
	e.field("mode", p.Mode)
	encodeList(e, "ops", p.Ops)
	encodeList(e, "rejects", p.Rejects)
	encodeList(e, "blocked", p.Blocked)
	encodeList(e, "warnings", p.Warnings)
	e.w.WriteString("  \"counts\": ")
	e.value(e.top, &p.Counts)
	if e.err != nil {
		return fmt.Errorf("writing plan: %w", e.err)
	}
	return nil
}

// planEncoder encodes one value at a time into a small buffer and copies it
// to w without the newline json.Encoder ends each value with. Errors stick:
// after one, nothing more is encoded.
type planEncoder struct {
	w   *bufio.Writer
	buf bytes.Buffer
	// One encoder per depth: the prefix indents the lines after the first.
	top, inList *json.Encoder
	err         error
}

func newPlanEncoder(w *bufio.Writer) *planEncoder {
	e := &planEncoder{w: w}
	e.top, e.inList = e.encoder("  "), e.encoder("    ")
	return e
}

func (e *planEncoder) encoder(prefix string) *json.Encoder {
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	return enc
}

func (e *planEncoder) value(enc *json.Encoder, v any) {
	if e.err != nil {
		return
	}
	e.buf.Reset()
	if e.err = enc.Encode(v); e.err != nil {
		return
	}
	e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
}

// field writes one member of the top-level object that others follow.
func (e *planEncoder) field(name string, v any) {
	e.w.WriteString("  \"" + name + "\": ")
	e.value(e.top, v)
	e.w.WriteString(",\n")
}

// encodeList writes a list member ([] when empty), one element at a time.
func encodeList[T any](e *planEncoder, name string, xs []T) {
	e.w.WriteString("  \"" + name + "\": [")
	for i := range xs {
		if i > 0 {
			e.w.WriteByte(',')
		}
		e.w.WriteString("\n    ")
		e.value(e.inList, &xs[i])
	}
	if len(xs) > 0 {
		e.w.WriteString("\n  ")
	}
	e.w.WriteString("],\n")
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// PlanFileError says why a plan file cannot be used.
type PlanFileError struct {
	Msg  string
	Hint string
	Err  error
}

func (e *PlanFileError) Error() string {
	if e.Err != nil {
		return "plan file: " + e.Msg + ": " + e.Err.Error()
	}
	return "plan file: " + e.Msg
}

func (e *PlanFileError) Unwrap() error { return e.Err }

// ReadPlan reads a plan file written by [WritePlan]. It refuses files of
// another schema version, unknown fields and operations that do not make
// sense (an assign with a before, a remove with an after…): a plan is
// applied exactly as read, so anything unexpected stops it.
func ReadPlan(r io.Reader) (*numsync.Plan, error) {
	p, _, err := ReadPlanDigest(r)
	return p, err
}

// ReadPlanDigest is [ReadPlan] that also returns the plan's digest, once
// it has checked that the content is the one the digest was made of: a
// plan changed after it was made (a number edited by hand) is refused. A
// file as [WritePlan] wrote it is checked by hashing the bytes read; one
// whose layout someone changed (reindented) by encoding the plan again.
func ReadPlanDigest(r io.Reader) (*numsync.Plan, string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, "", &PlanFileError{Msg: "cannot read", Err: err}
	}
	p, err := decodePlan(b)
	if err != nil {
		return nil, "", err
	}
	if err := checkDigest(b, p); err != nil {
		return nil, "", err
	}
	return p, p.Digest, nil
}

// checkDigest refuses a plan whose content is not what its digest says.
func checkDigest(b []byte, p *numsync.Plan) error {
	if p.Digest == "" {
		return &PlanFileError{Msg: "it carries no digest of its content, so nothing shows it is the plan that was made",
			Hint: "make the plan again with 'numsync plan' and review it"}
	}
	var sum string
	if i := len(b) - len(digestTail(p.Digest)); i >= 0 && bytes.Equal(b[i:], digestTail(p.Digest)) {
		h := sha256.Sum256(b[:i])
		sum = hex.EncodeToString(h[:])
	} else {
		sum = Digest(p)
	}
	if sum != p.Digest {
		return &PlanFileError{Msg: "this plan was changed after it was made (its content does not match the digest it carries)",
			Hint: "apply only the plan.json that 'numsync plan' wrote; to change it, change the sheets, plan again and review"}
	}
	return nil
}

func decodePlan(b []byte) (*numsync.Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p numsync.Plan
	err := dec.Decode(&p)
	if err != nil || p.Version != numsync.PlanVersion {
		// The version decides which message helps, so it is read on
		// its own, but only when the plan did not decode as this
		// version's: a second pass over a large plan is not free.
		if verr := checkVersion(b); verr != nil {
			return nil, verr
		}
	}
	if err != nil {
		return nil, &PlanFileError{Msg: "malformed", Err: err, Hint: "plan files are written by numsync; make the plan again instead of editing it"}
	}
	if dec.More() {
		return nil, &PlanFileError{Msg: "malformed: data after the plan", Hint: "make the plan again"}
	}
	if err := checkOps(p.Ops); err != nil {
		return nil, &PlanFileError{Msg: "malformed", Err: err, Hint: "plan files are written by numsync; make the plan again instead of editing it"}
	}
	p.Ops = nonNil(p.Ops)
	p.Rejects = nonNil(p.Rejects)
	p.Blocked = nonNil(p.Blocked)
	p.Warnings = nonNil(p.Warnings)
	return &p, nil
}

// checkVersion says why b is not a plan of this schema version, if it is
// not one.
func checkVersion(b []byte) error {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&head); err != nil {
		return &PlanFileError{Msg: "not a numsync plan (not JSON)", Err: err, Hint: "give the plan.json that numsync plan wrote"}
	}
	if head.Version == nil {
		return &PlanFileError{Msg: "not a numsync plan (no version field)", Hint: "give the plan.json that numsync plan wrote"}
	}
	if *head.Version != numsync.PlanVersion {
		return &PlanFileError{
			Msg:  fmt.Sprintf("schema version %d is not supported (this numsync reads version %d)", *head.Version, numsync.PlanVersion),
			Hint: "make the plan again with this numsync version",
		}
	}
	return nil
}

func checkOps(ops []numsync.Op) error {
	for i, op := range ops {
		var problem string
		switch {
		case op.UPN == "":
			problem = "no upn"
		case op.Category != numsync.Primary && op.Category != numsync.Private:
			problem = fmt.Sprintf("category %q", op.Category)
		case op.Action == numsync.Assign && (op.Before != nil || op.After == nil):
			problem = "an assign needs an after and no before"
		case op.Action == numsync.Change && (op.Before == nil || op.After == nil):
			problem = "a change needs a before and an after"
		case op.Action == numsync.Remove && (op.Before == nil || op.After != nil):
			problem = "a remove needs a before and no after"
		case op.Action != numsync.Assign && op.Action != numsync.Change && op.Action != numsync.Remove:
			problem = fmt.Sprintf("unknown action %q", op.Action)
		case op.After != nil && op.After.Number.IsZero():
			problem = "after has no number"
		case op.Pair != 0 && (op.Pair < 1 || op.Pair > len(ops) || op.Pair == i+1 || ops[op.Pair-1].Pair != i+1):
			problem = fmt.Sprintf("pair %d names no step that pairs back with it", op.Pair)
		}
		if problem != "" {
			return fmt.Errorf("operation %d (%s %s): %s", i+1, op.Action, op.UPN, problem)
		}
	}
	return nil
}
