package planner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"numsync"
)

// WritePlan writes p as plan.json (schema in PLANFILE.md): indented JSON
// with a fixed field order, lists written as [] even when empty, and no
// HTML escaping, so that the same plan always gives the same bytes and a
// reviewer can read and diff it.
func WritePlan(w io.Writer, p *numsync.Plan) error {
	b, err := canonical(p)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Digest returns the SHA-256 (hex) of the canonical plan.json of p: the
// identity of the reviewed plan that runs and audit entries refer to.
func Digest(p *numsync.Plan) string {
	b, err := canonical(p)
	if err != nil {
		// Every field of a plan marshals; an error here is a bug, and an
		// empty digest makes it visible in the run record.
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func canonical(p *numsync.Plan) ([]byte, error) {
	c := *p
	c.Ops = nonNil(c.Ops)
	c.Rejects = nonNil(c.Rejects)
	c.Blocked = nonNil(c.Blocked)
	c.Warnings = nonNil(c.Warnings)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("writing plan: %w", err)
	}
	return buf.Bytes(), nil
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
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &PlanFileError{Msg: "cannot read", Err: err}
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&head); err != nil {
		return nil, &PlanFileError{Msg: "not a numsync plan (not JSON)", Err: err, Hint: "give the plan.json that numsync plan wrote"}
	}
	if head.Version == nil {
		return nil, &PlanFileError{Msg: "not a numsync plan (no version field)", Hint: "give the plan.json that numsync plan wrote"}
	}
	if *head.Version != numsync.PlanVersion {
		return nil, &PlanFileError{
			Msg:  fmt.Sprintf("schema version %d is not supported (this numsync reads version %d)", *head.Version, numsync.PlanVersion),
			Hint: "make the plan again with this numsync version",
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p numsync.Plan
	if err := dec.Decode(&p); err != nil {
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
		}
		if problem != "" {
			return fmt.Errorf("operation %d (%s %s): %s", i+1, op.Action, op.UPN, problem)
		}
	}
	return nil
}
