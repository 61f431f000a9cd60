package importer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

const (
	resDigest = iota
	resStep
	resOperation
	resOutcome
	resAttempts
	resError
	resAt
)

var resultsSchema = []Column{
	resDigest:    {Name: "plan_digest", Required: true},
	resStep:      {Name: "step", Required: true},
	resOperation: {Name: "operation"},
	resOutcome:   {Name: "outcome", Required: true},
	resAttempts:  {Name: "attempts"},
	resError:     {Name: "error"},
	resAt:        {Name: "at"},
}

// ReadStepResults reads the results file teams-apply.ps1 writes beside
// itself (teams-apply.results.csv), one row per step outcome in the order
// they happened; a step run again has several rows, the last one current.
// Rows that cannot be read are returned as problems.
func ReadStepResults(path string) ([]numsync.StepResult, []numsync.Issue, error) {
	r, err := OpenFile(path, resultsSchema)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return stepResults(r)
}

func stepResults(r *Reader) ([]numsync.StepResult, []numsync.Issue, error) {
	var results []numsync.StepResult
	problems, err := walk(r, func(rec Record) error {
		res, err := stepResult(rec)
		if err != nil {
			return err
		}
		results = append(results, res)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return results, problems, nil
}

func stepResult(rec Record) (numsync.StepResult, error) {
	r := numsync.StepResult{
		PlanDigest: rec.Value(resDigest),
		Operation:  unneutralise(rec.Value(resOperation)),
		Error:      unneutralise(rec.Value(resError)),
		Source:     numsync.Source{File: rec.r.file, Line: rec.Line},
	}
	if r.PlanDigest == "" {
		return r, rec.Error(resDigest, numsync.BadRow, errors.New("empty plan digest"), "")
	}
	step, err := strconv.Atoi(rec.Value(resStep))
	if err != nil || step < 1 {
		return r, rec.Error(resStep, numsync.BadRow, fmt.Errorf("step %q is not a number from 1", rec.Value(resStep)), "")
	}
	r.Step = step
	if r.Outcome, err = numsync.ParseScriptOutcome(rec.Value(resOutcome)); err != nil {
		return r, rec.Error(resOutcome, numsync.BadRow, err, "")
	}
	if a := rec.Value(resAttempts); a != "" {
		if r.Attempts, err = strconv.Atoi(a); err != nil || r.Attempts < 0 {
			return r, rec.Error(resAttempts, numsync.BadRow, fmt.Errorf("attempts %q is not a count", a), "")
		}
	}
	if at := rec.Value(resAt); at != "" {
		if r.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return r, rec.Error(resAt, numsync.BadRow, fmt.Errorf("time %q is not in ISO 8601 form", at), "")
		}
	}
	return r, nil
}

// unneutralise takes off the apostrophe the script puts before a cell a
// spreadsheet could take for a formula.
func unneutralise(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t", rune(s[1])) {
		return s[1:]
	}
	return s
}
