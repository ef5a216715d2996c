package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sessionindex"
)

// region newest
// keepNewest ends every session of the account key but its n newest: the
// list comes newest first. Called at login, after renew, it keeps an
// account to n browsers.
func keepNewest(ctx context.Context, index *sessionindex.Index, key string, n int) error {
	list, err := index.List(ctx, key, nil)
	if err != nil {
		return err
	}
	for _, e := range list[min(n, len(list)):] {
		if _, err := index.End(ctx, key, e.Handle); err != nil {
			return err
		}
	}
	return nil
}

// endregion newest

func TestSolutionKeepNewest(t *testing.T) {
	clock := storetest.NewClock()
	b := newTestBackend(t, config{Now: clock.Now}, discard)
	app := serveTestApp(t, b, true, discard)
	first := signUp(t, app, "ada")
	var later []*visitor
	for i := range 4 {
		clock.Sleep(time.Second) // a second apart: the order is certain
		later = append(later, logIn(t, app, "ada", password, fmt.Sprint("browser ", i)))
	}
	l, err := app.accounts.logIn(context.Background(), "ada", password)
	if err != nil {
		t.Fatal(err)
	}
	if err := keepNewest(context.Background(), b.index, l.key, 3); err != nil {
		t.Fatal(err)
	}
	for i, v := range append([]*visitor{first}, later...) {
		if got, want := v.loggedIn(app), i >= 2; got != want {
			t.Errorf("session %d (of 5, oldest first): logged in %v, want %v", i+1, got, want)
		}
	}
}
