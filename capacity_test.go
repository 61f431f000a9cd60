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
