package store

import (
	"context"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// TestInactiveSince follows one account through disable, re-import,
// enable and absence: the store remembers when it turned inactive, keeps
// that time while it stays so, and forgets it when the account is back.
func TestInactiveSince(t *testing.T) { bothEngines(t, testInactiveSince) }

func testInactiveSince(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	importAs := func(enabled bool, markAbsent bool, users ...numsync.User) {
		t.Helper()
		for i := range users {
			users[i].Enabled = enabled
		}
		if _, err := s.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv", MarkAbsent: markAbsent}); err != nil {
			t.Fatal(err)
		}
	}
	since := func(key string) time.Time { return userByKey(tenant(t, s), key).InactiveSince }
	before := time.Now().Add(-time.Second)

	importAs(true, false, user("alice@contoso.com", aliceID, "US"), user("bob@contoso.com", bobID, "US"))
	if !since("alice@contoso.com").IsZero() {
		t.Fatal("an enabled user is inactive")
	}
	importAs(false, false, user("carol@contoso.com", carolID, "US"))
	if c := since("carol@contoso.com"); c.Before(before) || c.After(time.Now().Add(time.Second)) {
		t.Errorf("a user imported disabled: inactive since %v, want about now", c)
	}
	importAs(false, false, user("alice@contoso.com", aliceID, "US"))
	first := since("alice@contoso.com")
	if first.IsZero() {
		t.Fatal("disabling alice left no inactive time")
	}
	changed := user("alice@contoso.com", aliceID, "GB") // another change while disabled
	importAs(false, false, changed)
	if again := since("alice@contoso.com"); !again.Equal(first) {
		t.Errorf("a later import of the disabled account moved its inactive time from %v to %v", first, again)
	}
	importAs(true, false, user("alice@contoso.com", aliceID, "US"))
	if !since("alice@contoso.com").IsZero() {
		t.Error("enabled again, alice is still inactive")
	}
	// bob is missing from a full import: absent, so inactive.
	importAs(true, true, user("alice@contoso.com", aliceID, "US"), user("carol@contoso.com", carolID, "US"))
	if u := userByKey(tenant(t, s), "bob@contoso.com"); !u.Absent || u.InactiveSince.IsZero() {
		t.Errorf("absent bob: %+v", u)
	}
	if !since("carol@contoso.com").IsZero() {
		t.Error("carol, enabled and present, is still inactive")
	}
}
