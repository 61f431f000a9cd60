package reports

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/numsync/numsync"
)

// psStep is a row of teams-apply.ps1's step table, its values unquoted.
type psStep struct {
	Plan, Step                                   int
	Name, Kind, Identity, ObjectID, Number, Type string
	FreeType, Location, Category, Text           string
	Notify                                       bool
	Need                                         int // -1: none
}

var (
	psPlanRow = regexp.MustCompile(`^    (` + q + `)$`)
	psStepRow = regexp.MustCompile(`^    @\{ Plan = (\d+); Step = (\d+); Name = (` + q + `); Kind = '(remove|set)'; Identity = (` + q + `); ObjectId = (` + q +
		`); Number = (` + q + `); Type = ` + numberType + `; FreeType = '(|CallingPlan|OperatorConnect|DirectRouting)'; Location = (` + q +
		`); Category = '(Primary|Private)'; Notify = \$(true|false); Needs = @\((\d*)\); Text = (` + q + `) \}$`)
)

// parseTeamsPS checks teams-apply.ps1 line by line: comments, the fixed
// header, one single-quoted digest per plan row, step rows that match
// psStepRow and nothing else, then either the fixed runner, word for word,
// or one throw. It returns the plan digests, the steps and the throws.
func parseTeamsPS(t *testing.T, script []byte) (plans []string, steps []psStep, throws []string) {
	t.Helper()
	text, ok := strings.CutPrefix(string(script), psBOM)
	if !ok {
		t.Errorf("no UTF-8 byte order mark (Windows PowerShell 5.1 would misread non-ASCII)")
	}
	if !utf8.ValidString(text) {
		t.Fatalf("not valid UTF-8")
	}
	runner := strings.HasSuffix(text, teamsRunner)
	text = strings.TrimSuffix(text, teamsRunner)
	header := strings.Split(teamsHeader+psLogHeader("teams-apply.log"), "\n")
	section := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		where := fmt.Sprintf("teams-apply.ps1:%d", i+1)
		if strings.IndexFunc(line, numsync.IsControl) >= 0 {
			t.Errorf("%s: control character or line break in %q", where, line)
		}
		switch {
		case line == "$numsyncPlans = @(" || line == "$numsyncSteps = @(":
			section = line
		case line == ")":
			section = ""
		case section == "$numsyncPlans = @(" && psPlanRow.MatchString(line):
			plans = append(plans, psUnquote(psPlanRow.FindStringSubmatch(line)[1]))
		case section == "$numsyncSteps = @(" && psStepRow.MatchString(line):
			m := psStepRow.FindStringSubmatch(line)
			s := psStep{Name: psUnquote(m[3]), Kind: m[4], Identity: psUnquote(m[5]), ObjectID: psUnquote(m[6]), Number: psUnquote(m[7]),
				Type: m[8], FreeType: m[9], Location: psUnquote(m[10]), Category: m[11], Notify: m[12] == "true", Need: -1, Text: psUnquote(m[14])}
			s.Plan, _ = strconv.Atoi(m[1])
			s.Step, _ = strconv.Atoi(m[2])
			if m[13] != "" {
				s.Need, _ = strconv.Atoi(m[13])
				if s.Need >= len(steps) {
					t.Errorf("%s: step needs step %d, which does not run before it", where, s.Need)
				}
			}
			if s.Plan >= len(plans) {
				t.Errorf("%s: plan %d is not in the list of plans", where, s.Plan)
			}
			steps = append(steps, s)
		case section == "" && psThrow.MatchString(line):
			throws = append(throws, psUnquote(psThrow.FindStringSubmatch(line)[1]))
		case section == "" && (line == "" || strings.HasPrefix(line, "#") || slices.Contains(header, line)):
		default:
			t.Errorf("%s: unexpected line %q", where, line)
		}
	}
	if runner == (len(throws) > 0) {
		t.Errorf("runner present: %v, throws: %q; want exactly one of them", runner, throws)
	}
	return plans, steps, throws
}

// brief renders a script's steps for comparison: kind, identity, number,
// and the step it waits for.
func brief(steps []psStep) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "%d %s %s %s", i, s.Kind, s.Identity, s.Number)
		if s.Need >= 0 {
			fmt.Fprintf(&b, " needs %d", s.Need)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// teamsScenario is a plan for the golden tests of teams-apply.ps1.
type teamsScenario struct {
	name string
	in   Input
	want string // brief of the steps
}

func teamsTenant() *numsync.Tenant {
	var users []numsync.User
	for i, upn := range []string{"ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon"} {
		users = append(users, numsync.User{UPN: upn + "@contoso.com", ObjectID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1),
			Kind: numsync.KindUser, UsageLocation: "US", Enabled: true})
	}
	return &numsync.Tenant{Revision: 7, Users: users}
}

func cp(e164 string) *numsync.Holding { return hold(num(e164, ""), numsync.CallingPlan, "") }

func teamsScenarios() []teamsScenario {
	pr := numsync.Primary
	tn := teamsTenant()
	planOf := func(ops ...numsync.Op) *numsync.Plan {
		return &numsync.Plan{Version: numsync.PlanVersion, Revision: 7, InputsDigest: "sha256:feed", Mode: numsync.Merge, Ops: ops}
	}
	applied := func(p *numsync.Plan, digest string) Input {
		return Input{Plan: p, Tenant: tn, PlanDigest: digest, RunID: "20261203T020000Z-0a0a",
			Run:     &numsync.Run{ID: "20261203T020000Z-0a0a", Status: numsync.RunApplied, PlanDigest: digest, Revision: 8},
			Started: sampleStart, Finished: sampleEnd, Now: sampleEnd}
	}
	// A swap (ann <-> ben, the planner split ann's change), a chain (cat
	// takes dan's number, dan takes a free one), a change of location
	// only, a change of type, and a plain change: as planner orders them.
	swapChain := planOf(
		numsync.Op{Action: numsync.Remove, UPN: "ann@contoso.com", Category: pr, Before: cp("+14255550101"), Source: src("s.csv", 2)},
		numsync.Op{Action: numsync.Change, UPN: "ben@contoso.com", Category: pr, Before: cp("+14255550102"), After: cp("+14255550101"), Notify: true, Source: src("s.csv", 3)},
		numsync.Op{Action: numsync.Assign, UPN: "ann@contoso.com", Category: pr, After: cp("+14255550102"), Notify: true, Source: src("s.csv", 2)},
		numsync.Op{Action: numsync.Change, UPN: "dan@contoso.com", Category: pr, Before: cp("+14255550104"), After: cp("+14255550105"), Source: src("s.csv", 5)},
		numsync.Op{Action: numsync.Change, UPN: "cat@contoso.com", Category: pr, Before: cp("+14255550103"), After: cp("+14255550104"), Source: src("s.csv", 4)},
		numsync.Op{Action: numsync.Change, UPN: "eve@contoso.com", Category: pr, Before: hold(num("+14255550106", ""), numsync.CallingPlan, "loc-a"),
			After: hold(num("+14255550106", ""), numsync.CallingPlan, "loc-b"), Source: src("s.csv", 6)},
		numsync.Op{Action: numsync.Change, UPN: "fay@contoso.com", Category: pr, Before: hold(num("+14255550107", ""), numsync.OperatorConnect, ""),
			After: cp("+14255550107"), Source: src("s.csv", 7)},
		numsync.Op{Action: numsync.Change, UPN: "gus@contoso.com", Category: numsync.Private, Before: cp("+14255550108"), After: cp("+14255550109"), Source: src("s.csv", 8)},
	)
	// Removals first, as the planner writes them: hal's number goes to
	// ivy, jon's to nobody; and two operations of an earlier run that have
	// not landed: a failed change that frees the number this plan gives
	// to jon, and a pending assign.
	dependent := planOf(
		numsync.Op{Action: numsync.Remove, UPN: "hal@contoso.com", Category: pr, Before: cp("+14255550110"), Source: src("s.csv", 2)},
		numsync.Op{Action: numsync.Remove, UPN: "jon@contoso.com", Category: pr, Before: cp("+14255550111"), Source: src("s.csv", 3)},
		numsync.Op{Action: numsync.Assign, UPN: "ivy@contoso.com", Category: pr, After: cp("+14255550110"), Source: src("s.csv", 4)},
		numsync.Op{Action: numsync.Assign, UPN: "jon@contoso.com", Category: numsync.Private, After: cp("+14255550112"), Source: src("s.csv", 5)},
	)
	dep := applied(dependent, "d2d2")
	earlier := "20261202T020000Z-0b0b"
	dep.Unfinished = []numsync.PushOp{
		{PlanDigest: "c1c1", Outcome: numsync.OpOutcome{RunID: earlier, Step: 2, State: numsync.PushFailed, Error: "Service unavailable"},
			Op: numsync.Op{Action: numsync.Change, UPN: "gus@contoso.com", Category: pr, Before: cp("+14255550112"), After: cp("+14255550113")}},
		{PlanDigest: "c1c1", Outcome: numsync.OpOutcome{RunID: earlier, Step: 3, State: numsync.PushPending},
			Op: numsync.Op{Action: numsync.Assign, UPN: "fay@contoso.com", Category: pr, After: cp("+14255550114")}},
		// This run's own operations are in the plan already.
		{PlanDigest: "d2d2", Outcome: numsync.OpOutcome{RunID: dep.Run.ID, Step: 1, State: numsync.PushPending}, Op: dependent.Ops[0]},
	}
	hostile := applied(planOf(
		numsync.Op{Action: numsync.Assign, UPN: hostilePS, Category: pr, After: hold(num("+14255550115", ""), numsync.CallingPlan, hostileScript)},
		numsync.Op{Action: numsync.Assign, UPN: typographicUPN, Category: pr, After: hold(num("+14255550116", ""), numsync.CallingPlan, "‘$(Remove-Item C:\\)’")},
		numsync.Op{Action: numsync.Assign, UPN: "`$env:PATH\"@contoso.com", Category: numsync.Private, After: hold(num("+33140000001", "12"), numsync.DirectRouting, hostileFormula)},
	), "e3e3")
	return []teamsScenario{
		{"swap-chain-change", applied(swapChain, "a1a1"), `0 remove ann@contoso.com +14255550101
1 set ben@contoso.com +14255550101 needs 0
2 set ann@contoso.com +14255550102 needs 1
3 set dan@contoso.com +14255550105
4 set cat@contoso.com +14255550104 needs 3
5 set eve@contoso.com +14255550106
6 set fay@contoso.com +14255550107
7 set gus@contoso.com +14255550109
`},
		{"dependent", dep, `0 set gus@contoso.com +14255550113
1 set fay@contoso.com +14255550114
2 remove jon@contoso.com +14255550111
3 remove hal@contoso.com +14255550110
4 set ivy@contoso.com +14255550110 needs 3
5 set jon@contoso.com +14255550112 needs 0
`},
		{"hostile", hostile, `0 set ` + hostilePS + ` +14255550115
1 set ` + typographicUPN + ` +14255550116
2 set ` + "`$env:PATH\"@contoso.com" + ` +33140000001;ext=12
`},
	}
}

// TestTeamsApplyGolden writes teams-apply.ps1 for plans with a swap, a
// chain and changes, with steps that depend on each other and on an
// earlier run, and with hostile values, and compares each with
// testdata/teams-apply/<name>.ps1 (go test ./reports -update rewrites
// them). Each script is also read back: the steps, their order and what
// they wait for are checked, not only the bytes.
func TestTeamsApplyGolden(t *testing.T) {
	for _, sc := range teamsScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			got := rendered(newFacts(sc.in).teamsApplyPS1)
			path := filepath.Join("testdata", "teams-apply", sc.name+".ps1")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("teams-apply.ps1 differs from %s; run go test ./reports -update and review the diff", path)
			}
			_, steps, throws := parseTeamsPS(t, got)
			if len(throws) > 0 {
				t.Errorf("unexpected throw: %q", throws)
			}
			if b := brief(steps); b != sc.want {
				t.Errorf("steps\n%swant\n%s", b, sc.want)
			}
		})
	}
}

func TestTeamsApplySteps(t *testing.T) {
	sc := teamsScenarios()
	t.Run("ChangeIsOneSetThatKeepsItsFields", func(t *testing.T) {
		_, steps, _ := parseTeamsPS(t, rendered(newFacts(sc[0].in).teamsApplyPS1))
		for _, s := range steps {
			if s.Kind == "remove" && s.Identity != "ann@contoso.com" {
				t.Errorf("a change was written with a removal: %+v", s)
			}
		}
		ben, eve, fay, gus := steps[1], steps[5], steps[6], steps[7]
		if !ben.Notify || ben.ObjectID != "00000000-0000-4000-8000-000000000002" || ben.Step != 2 || ben.Name != "step 2" {
			t.Errorf("ben's change = %+v", ben)
		}
		if eve.Location != "loc-b" || eve.FreeType != "" {
			t.Errorf("eve's change of location = %+v, want a Set with the new location", eve)
		}
		if fay.FreeType != "OperatorConnect" || fay.Type != "CallingPlan" {
			t.Errorf("fay's change of type = %+v, want the Operator Connect number removed before it is set as Calling Plan", fay)
		}
		if gus.Category != "Private" {
			t.Errorf("gus's Private change = %+v", gus)
		}
	})
	t.Run("CarriedStepsKeepTheirRunsDigest", func(t *testing.T) {
		plans, steps, _ := parseTeamsPS(t, rendered(newFacts(sc[1].in).teamsApplyPS1))
		if !slices.Equal(plans, []string{"d2d2", "c1c1"}) {
			t.Fatalf("plans = %q", plans)
		}
		gus, ivy := steps[0], steps[4]
		if plans[gus.Plan] != "c1c1" || gus.Step != 2 || gus.Name != "step 2 of run 20261202T020000Z-0b0b" {
			t.Errorf("carried step = %+v", gus)
		}
		if plans[ivy.Plan] != "d2d2" || ivy.Step != 3 {
			t.Errorf("ivy's assign is step 3 of plan d2d2, got %+v", ivy)
		}
	})
	t.Run("HostileValuesReadBackAsGiven", func(t *testing.T) {
		_, steps, _ := parseTeamsPS(t, rendered(newFacts(sc[2].in).teamsApplyPS1))
		if steps[0].Identity != hostilePS || steps[0].Location != hostileScript || steps[1].Location != "‘$(Remove-Item C:\\)’" ||
			steps[2].Location != hostileFormula || steps[2].Number != "+33140000001;ext=12" {
			t.Errorf("steps = %+v", steps)
		}
	})
}

// slotState is a tenant reduced to what the order of steps can break: who
// holds which number in which category.
type slotState struct {
	bySlot   map[numsync.Slot]numsync.Number
	byNumber map[numsync.Number]numsync.Slot
}

func slotOf(op *numsync.Op) numsync.Slot { return numsync.SlotOf(op.UPN, op.Category) }

// apply carries op out as the store does, strictly: a removal needs the
// slot to hold its number, a take needs its number free (or its own) and
// an assign an empty slot. It reports what is wrong, or "".
func (st *slotState) apply(op *numsync.Op) string {
	k := slotOf(op)
	if op.Before != nil {
		if st.bySlot[k] != op.Before.Number {
			return fmt.Sprintf("%s does not hold %s", k, op.Before.Number)
		}
		delete(st.bySlot, k)
		delete(st.byNumber, op.Before.Number)
	} else if _, ok := st.bySlot[k]; ok {
		return fmt.Sprintf("%s is not empty for an assign", k)
	}
	if op.After != nil {
		if h, ok := st.byNumber[op.After.Number]; ok {
			return fmt.Sprintf("%s is still held by %s", op.After.Number, h)
		}
		st.bySlot[k], st.byNumber[op.After.Number] = op.After.Number, k
	}
	return ""
}

// randomPlan makes a plan whose operations apply in order: n operations
// among 6 users, two categories and 10 numbers, removals and changes
// included, chains and reuse of freed numbers likely.
func randomPlan(r *rand.Rand, n int) (*numsync.Plan, *slotState) {
	users := []string{"a@c.com", "b@c.com", "c@c.com", "d@c.com", "e@c.com", "f@c.com"}
	numbers := make([]numsync.Number, 10)
	for i := range numbers {
		numbers[i] = num(fmt.Sprintf("+1425555%04d", i), "")
	}
	start := &slotState{bySlot: map[numsync.Slot]numsync.Number{}, byNumber: map[numsync.Number]numsync.Slot{}}
	for _, u := range users {
		if r.IntN(3) > 0 {
			n := numbers[r.IntN(len(numbers))]
			if _, ok := start.byNumber[n]; !ok {
				start.apply(&numsync.Op{UPN: u, Category: numsync.Primary, After: cp(n.E164)})
			}
		}
	}
	st := &slotState{bySlot: maps.Clone(start.bySlot), byNumber: maps.Clone(start.byNumber)}
	p := &numsync.Plan{}
	for len(p.Ops) < n {
		cat := []numsync.Category{numsync.Primary, numsync.Private}[r.IntN(2)]
		u := users[r.IntN(len(users))]
		held, has := st.bySlot[numsync.SlotOf(u, cat)]
		free := numbers[r.IntN(len(numbers))]
		_, taken := st.byNumber[free]
		var op numsync.Op
		switch {
		case has && (r.IntN(3) == 0 || taken):
			op = numsync.Op{Action: numsync.Remove, UPN: u, Category: cat, Before: cp(held.E164)}
		case has:
			op = numsync.Op{Action: numsync.Change, UPN: u, Category: cat, Before: cp(held.E164), After: cp(free.E164)}
		case !taken:
			op = numsync.Op{Action: numsync.Assign, UPN: u, Category: cat, After: cp(free.E164)}
		default:
			continue
		}
		if why := st.apply(&op); why != "" {
			panic(why)
		}
		p.Ops = append(p.Ops, op)
	}
	return p, start
}

// TestTeamsStepsKeepThePlanValid: whatever the plan, the script's order
// carries out every operation exactly once, every step is valid where it
// runs, a step that takes a freed number waits for the step that frees it,
// and a removal whose number is taken runs just before it, or just before
// its slot is filled again (only removals between them).
func TestTeamsStepsKeepThePlanValid(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 2026))
	for round := range 3000 {
		plan, start := randomPlan(r, 1+r.IntN(14))
		f := newFacts(Input{Plan: plan, Tenant: &numsync.Tenant{}, PlanDigest: "d"})
		_, steps := f.teamsSteps()
		seen := make([]bool, len(plan.Ops))
		st := &slotState{bySlot: maps.Clone(start.bySlot), byNumber: maps.Clone(start.byNumber)}
		freedAt := map[numsync.Number]int{}
		for i, s := range steps {
			if seen[s.step-1] {
				t.Fatalf("round %d: step %d twice", round, s.step)
			}
			seen[s.step-1] = true
			if why := st.apply(s.op); why != "" {
				t.Fatalf("round %d: position %d (step %d %s %s): %s\nplan %+v", round, i, s.step, s.op.Action, s.op.UPN, why, plan.Ops)
			}
			if s.op.After != nil {
				j, freed := freedAt[s.op.After.Number]
				if want := map[bool]int{true: j, false: -1}[freed]; s.need != want {
					t.Fatalf("round %d: position %d needs %d, want %d", round, i, s.need, want)
				}
				if freed && steps[j].op.After == nil {
					// The first take after the removal is this one, or
					// one that fills the removal's own slot.
					k := j + 1
					for steps[k].op.After == nil {
						k++
					}
					if k != i && slotOf(steps[k].op) != slotOf(steps[j].op) {
						t.Fatalf("round %d: removal at %d is not just before the take at %d (position %d takes first)", round, j, i, k)
					}
				}
				delete(freedAt, s.op.After.Number)
			}
			if s.op.Before != nil && (s.op.After == nil || s.op.Before.Number != s.op.After.Number) {
				freedAt[s.op.Before.Number] = i
			}
		}
		if slices.Contains(seen, false) {
			t.Fatalf("round %d: an operation has no step", round)
		}
	}
}
