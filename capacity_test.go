package numsync_test

import (
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func TestCapacityIn(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ten := &numsync.Tenant{}
	add := func(e164, country string, typ numsync.NumberType) {
		ten.Numbers = append(ten.Numbers, numsync.InventoryNumber{Number: numsync.Number{E164: e164}, Type: typ, Country: country})
	}
	for i := range 10 {
		add("+4420794600"+string(rune('0'+i))+"0", "GB", numsync.DirectRouting) // London range
	}
	add("+442079461000", "GB", numsync.DirectRouting) // outside any range
	add("+14255550101", "US", numsync.CallingPlan)
	ten.Assignments = []numsync.Assignment{
		{UPN: "a@x", Number: numsync.Number{E164: "+442079460000"}},
		{UPN: "b@x", Number: numsync.Number{E164: "+442079460010"}},
	}
	rs := []numsync.Range{{Name: "London", First: "+442079460000", Last: "+442079460099", Site: "London"}}
	taken := []numsync.Taken{
		{At: now.AddDate(0, 0, -40), Number: numsync.Number{E164: "+442079460020"}}, // before the window
		{At: now.AddDate(0, 0, -20), Number: numsync.Number{E164: "+442079460000"}},
		{At: now.AddDate(0, 0, -3), Number: numsync.Number{E164: "+442079460010"}},
	}
	held := heldIn(ten)
	reserved := numsync.ActiveReservations([]numsync.Reservation{{Number: "+442079460090", Note: "kept"}}, now)
	got := numsync.CapacityIn(ten, rs, held, reserved, taken, now.AddDate(-1, 0, 0), now, numsync.CapacityWindow, 0)
	want := []numsync.Capacity{
		{Country: "GB", Type: numsync.DirectRouting, Free: 1, WeeksLeft: -1},
		{Country: "GB", Site: "London", Type: numsync.DirectRouting, Free: 7, PerWeek: 0.5, WeeksLeft: 14},
		{Country: "US", Type: numsync.CallingPlan, Free: 1, WeeksLeft: -1},
	}
	if len(got) != len(want) {
		t.Fatalf("capacity %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("capacity[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	// A store five days old: its one take is counted over a week, not four.
	young := numsync.CapacityIn(ten, rs, held, nil, taken[2:], now.AddDate(0, 0, -5), now, numsync.CapacityWindow, 0)
	if c := young[1]; c.PerWeek != 1 || c.WeeksLeft != 8 {
		t.Errorf("young store: %+v, want 1 a week and 8 weeks left", c)
	}
}

func TestRangeRunways(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	us := []numsync.RangeUsage{
		{Range: numsync.Range{Name: "A", First: "+442079460000", Last: "+442079460099"}, Free: 6},
		{Range: numsync.Range{Name: "B", Prefix: "+4420794601"}, Free: 3},
	}
	taken := []numsync.Taken{
		{At: now.AddDate(0, 0, -1), Number: numsync.Number{E164: "+442079460001"}},
		{At: now.AddDate(0, 0, -8), Number: numsync.Number{E164: "+442079460002"}},
		{At: now.AddDate(0, 0, -9), Number: numsync.Number{E164: "+442079460003", Ext: "4"}}, // an extension line: no range's
		{At: now.AddDate(0, 0, -60), Number: numsync.Number{E164: "+442079460004"}},          // before the window
	}
	ten := &numsync.Tenant{}
	for _, e := range []string{"+442079460001", "+442079460002", "+442079460003", "+442079460004", "+442079460005"} {
		ten.Numbers = append(ten.Numbers, numsync.InventoryNumber{Number: numsync.Number{E164: e}, Type: numsync.DirectRouting})
	}
	ten.Numbers[1].Type = numsync.CallingPlan // not what range A holds
	us[0].Type = numsync.DirectRouting
	taken = append(taken, numsync.Taken{At: now.AddDate(0, 0, -2), Number: numsync.Number{E164: "+442079460005"}})
	numsync.RangeRunways(ten, us, taken, time.Time{}, now, numsync.CapacityWindow)
	if a := us[0]; a.PerWeek != 0.5 || a.WeeksLeft != 12 {
		t.Errorf("A: %v a week, %v weeks left; want 0.5 and 12", a.PerWeek, a.WeeksLeft)
	}
	if b := us[1]; b.PerWeek != 0 || b.WeeksLeft != -1 {
		t.Errorf("B: %v a week, %v weeks left; want none taken", b.PerWeek, b.WeeksLeft)
	}
}
