package sessionindex_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sessionindex"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
)

const secret = "0123456789abcdef0123456789abcdef-index"

// fixture is an engine over a fresh SQLite file, its index, and a clock.
type fixture struct {
	engine *sessionstore.Store
	index  *sessionindex.Index
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	storage, db, err := sqlstore.Open(context.Background(),
		"sqlite://"+filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	f.engine, err = sessionstore.New(storage, sessionstore.Config{
		Secrets: [][]byte{[]byte(secret)}, MaxAge: 3600, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.index = sessionindex.New(f.engine, storage, []byte(secret))
	return f
}

// login starts a session that holds who, files it under owner, and returns
// its cookie.
func (f *fixture) login(t *testing.T, owner, who string) *http.Cookie {
	t.Helper()
	r, w := httptest.NewRequest(http.MethodPost, "/login", nil), httptest.NewRecorder()
	sess, err := f.engine.New(r, "sid")
	if err != nil {
		t.Fatal(err)
	}
	sess.Values["who"] = who
	if err := f.engine.Save(r, w, sess); err != nil {
		t.Fatal(err)
	}
	if err := f.index.Own(r.Context(), sess, owner); err != nil {
		t.Fatal(err)
	}
	return w.Result().Cookies()[0]
}

// load returns the session that cookie names, IsNew when it has ended.
func (f *fixture) load(t *testing.T, cookie *http.Cookie) *sessions.Session {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	sess, err := f.engine.New(r, "sid")
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func (f *fixture) list(t *testing.T, owner string, current *sessions.Session) []sessionindex.Entry {
	t.Helper()
	list, err := f.index.List(context.Background(), owner, current)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func whos(list []sessionindex.Entry) string {
	var s []string
	for _, e := range list {
		s = append(s, e.Values["who"].(string))
	}
	return strings.Join(s, ",")
}

// TestListShowsOnlyTheOwnersSessions: an account sees its own sessions,
// newest first, the current one marked, never another account's, and no
// handle gives away the ID it names.
func TestListShowsOnlyTheOwnersSessions(t *testing.T) {
	f := newFixture(t)
	laptop := f.login(t, "ada", "ada's laptop")
	f.now = f.now.Add(time.Minute)
	phone := f.login(t, "ada", "ada's phone")
	f.login(t, "bob", "bob's laptop")
	anonymous := httptest.NewRequest(http.MethodGet, "/", nil) // a visitor who never logged in
	sess, _ := f.engine.New(anonymous, "sid")
	sess.Values["who"] = "nobody's"
	if err := f.engine.Save(anonymous, httptest.NewRecorder(), sess); err != nil {
		t.Fatal(err)
	}

	current := f.load(t, laptop)
	list := f.list(t, "ada", current)
	if got, want := whos(list), "ada's phone,ada's laptop"; got != want {
		t.Fatalf("ada's sessions: got %q, want %q", got, want)
	}
	if list[0].Current || !list[1].Current {
		t.Errorf("current marks: got %v, %v, want false, true", list[0].Current, list[1].Current)
	}
	if got, want := list[1].Start, f.now.Add(-time.Minute); !got.Equal(want) {
		t.Errorf("laptop's start: got %v, want %v", got, want)
	}
	for _, e := range list {
		for _, id := range []string{current.ID, f.load(t, phone).ID} {
			if strings.Contains(e.Handle, id) || strings.Contains(id, e.Handle) || len(e.Handle) < 20 {
				t.Errorf("handle %q tells of ID %q, or is too short", e.Handle, id)
			}
		}
	}
	if got, want := whos(f.list(t, "bob", nil)), "bob's laptop"; got != want {
		t.Errorf("bob's sessions: got %q, want %q", got, want)
	}
}

// TestEndNeedsTheOwnersHandle: a handle ends its session only for the
// session's owner; sent by another account (a changed form value), it
// ends nothing.
func TestEndNeedsTheOwnersHandle(t *testing.T) {
	f := newFixture(t)
	adas := f.login(t, "ada", "ada's laptop")
	bobs := f.login(t, "bob", "bob's laptop")
	adaHandle := f.list(t, "ada", nil)[0].Handle

	for _, tc := range []struct{ owner, handle string }{
		{"bob", adaHandle}, {"ada", "not-a-handle"}, {"ada", ""},
	} {
		ended, err := f.index.End(context.Background(), tc.owner, tc.handle)
		if err != nil || ended {
			t.Errorf("End(%q, %q): got %v, %v, want false, nil", tc.owner, tc.handle, ended, err)
		}
	}
	if f.load(t, adas).IsNew || f.load(t, bobs).IsNew {
		t.Fatal("a session ended by a handle that is not its owner's")
	}
	ended, err := f.index.End(context.Background(), "ada", adaHandle)
	if err != nil || !ended {
		t.Fatalf("End(ada, her handle): got %v, %v, want true, nil", ended, err)
	}
	if !f.load(t, adas).IsNew {
		t.Error("ada's ended session still loads")
	}
	if f.load(t, bobs).IsNew {
		t.Error("bob's session ended with ada's")
	}
}

// TestEndOthersKeepsOne: every session of the owner ends but the one kept;
// other accounts' sessions stay.
func TestEndOthersKeepsOne(t *testing.T) {
	f := newFixture(t)
	keep, other1, other2 := f.login(t, "ada", "a"), f.login(t, "ada", "b"), f.login(t, "ada", "c")
	bobs := f.login(t, "bob", "d")
	if err := f.index.EndOthers(context.Background(), "ada", f.load(t, keep)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		ended  bool
	}{{"kept", keep, false}, {"other 1", other1, true}, {"other 2", other2, true}, {"bob's", bobs, false}} {
		if got := f.load(t, c.cookie).IsNew; got != c.ended {
			t.Errorf("%s session ended: got %v, want %v", c.name, got, c.ended)
		}
	}
	if err := f.index.EndOthers(context.Background(), "ada", nil); err != nil {
		t.Fatal(err)
	}
	if !f.load(t, keep).IsNew {
		t.Error("EndOthers(nil) kept a session")
	}
}

// TestListLeavesOutEndedSessions: a session past its idle timeout is not
// listed, though the storage may still hold its row.
func TestListLeavesOutEndedSessions(t *testing.T) {
	f := newFixture(t)
	f.login(t, "ada", "old")
	f.now = f.now.Add(30 * time.Minute)
	f.login(t, "ada", "new")
	f.now = f.now.Add(31 * time.Minute) // the first is idle for 61 minutes
	if got, want := whos(f.list(t, "ada", nil)), "new"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
