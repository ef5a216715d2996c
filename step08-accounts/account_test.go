package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/pgtest"
)

// as returns a request header that names the visitor's browser.
func as(agent string) []string { return []string{"User-Agent", agent} }

// logIn logs a new visitor in as id, from a browser called agent.
func logIn(t *testing.T, app *testApp, id, pw, agent string) *visitor {
	t.Helper()
	v := newVisitor(t)
	status, location, _ := v.post(app.URL+"/login", credentials(id, pw), as(agent)...)
	expect(t, "logging in as "+id, status, location, http.StatusSeeOther, "/protected_page")
	return v
}

// copyOf is a thief's browser, holding a copy of v's session cookie.
func copyOf(t *testing.T, app *testApp, v *visitor) *visitor {
	t.Helper()
	thief := newVisitor(t)
	u, _ := url.Parse(app.URL)
	c := *v.cookie(app)
	thief.client.Jar.SetCookies(u, []*http.Cookie{&c})
	return thief
}

// sessionID is the ID that v's cookie names, as the engine reads it.
func sessionID(t *testing.T, app *testApp, v *visitor) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(v.cookie(app))
	sess, err := app.store.New(req, sessionName)
	if err != nil || sess.IsNew {
		t.Fatalf("the visitor's session is not stored (err %v)", err)
	}
	return sess.ID
}

var handleRE = regexp.MustCompile(`name="session" value="([^"]+)"`)

// handles are the handles of the sessions that v's list offers to end.
func handles(t *testing.T, app *testApp, v *visitor) []string {
	t.Helper()
	status, _, body := v.get(app.URL + "/account/sessions")
	if status != http.StatusOK {
		t.Fatalf("GET /account/sessions: got %d, want 200", status)
	}
	var hs []string
	for _, m := range handleRE.FindAllStringSubmatch(body, -1) {
		hs = append(hs, m[1])
	}
	return hs
}

// endedOnNextRequest checks that v's next visit finds its session ended:
// a 303 to the login form, which says why.
func endedOnNextRequest(t *testing.T, app *testApp, v *visitor, who string) {
	t.Helper()
	status, location, _ := v.get(app.URL + "/protected_page")
	expect(t, who+"'s next request", status, location, http.StatusSeeOther, "/login")
	if _, _, body := v.get(app.URL + "/login"); !strings.Contains(body, "Your session has ended") {
		t.Errorf("%s: the login form does not say why: %q", who, body)
	}
}

// TestSessionsPage: the page lists each session of the account with its
// browser (escaped, shortened), marks the current one, shows no session
// ID, and is kept by no cache.
func TestSessionsPage(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := newVisitor(t)
	laptop.post(app.URL+"/signup", credentials("ada", password), as("Laptop <b>browser</b>")...)
	phone := logIn(t, app, "ada", password, "Phone "+strings.Repeat("x", 300))
	bob := newVisitor(t)
	bob.post(app.URL+"/signup", credentials("bob", password), as("Bob's browser")...)

	resp := laptop.send(http.MethodGet, app.URL+"/account/sessions", nil)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("got %d, Cache-Control %q; want 200, no-store", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for _, want := range []string{"Laptop &lt;b&gt;browser&lt;/b&gt;", "Phone " + strings.Repeat("x", 73) + "…",
		"<strong>This browser</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	for _, unwanted := range []string{"<b>browser", strings.Repeat("x", 74), "Bob", sessionID(t, app, laptop),
		sessionID(t, app, phone), sessionID(t, app, bob), laptop.cookie(app).Value, phone.cookie(app).Value} {
		if strings.Contains(body, unwanted) {
			t.Errorf("the page shows %q", unwanted)
		}
	}
	if got := len(handles(t, app, laptop)); got != 1 {
		t.Errorf("the laptop can end %d sessions, want 1 (the phone's)", got)
	}
	if resp := laptop.send(http.MethodHead, app.URL+"/account/sessions", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD /account/sessions: got %d, want 200", resp.StatusCode)
	}
	status, location, _ := newVisitor(t).get(app.URL + "/account/sessions")
	expect(t, "a stranger", status, location, http.StatusSeeOther, "/login")
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEndASession: the owner ends a session from another browser, and a
// stolen copy of its cookie opens nothing. Another account posting the
// same handle (a changed form value) ends nothing.
func TestEndASession(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone := logIn(t, app, "ada", password, "Phone")
	thief := copyOf(t, app, phone)
	bob := signUp(t, app, "bob")

	phoneHandle := handles(t, app, laptop)[0]
	status, location, _ := bob.post(app.URL+"/account/sessions/end", url.Values{"session": {phoneHandle}})
	expect(t, "bob ending ada's session", status, location, http.StatusSeeOther, "/account/sessions")
	if _, _, body := bob.get(app.URL + "/account/sessions"); !strings.Contains(body, "No session of yours has that handle") {
		t.Errorf("bob is not told: %q", body)
	}
	if !phone.loggedIn(app) {
		t.Fatal("bob ended ada's session with its handle")
	}

	status, location, _ = laptop.post(app.URL+"/account/sessions/end", url.Values{"session": {phoneHandle}})
	expect(t, "ada ending her phone's session", status, location, http.StatusSeeOther, "/account/sessions")
	if _, _, body := laptop.get(app.URL + "/account/sessions"); !strings.Contains(body, "That session has ended.") {
		t.Errorf("ada is not told: %q", body)
	}
	endedOnNextRequest(t, app, thief, "the thief")
	endedOnNextRequest(t, app, phone, "the phone")
	if !laptop.loggedIn(app) || !bob.loggedIn(app) {
		t.Error("ending one session ended another")
	}
	if got := len(handles(t, app, laptop)); got != 0 {
		t.Errorf("the list still offers %d sessions to end, want 0", got)
	}
}

// TestEndOtherSessions: one button ends every other session of the
// account, and none of another account.
func TestEndOtherSessions(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone, tablet := logIn(t, app, "ada", password, "Phone"), logIn(t, app, "ada", password, "Tablet")
	bob := signUp(t, app, "bob")
	status, location, _ := laptop.post(app.URL+"/account/sessions/end-others", nil)
	expect(t, "ending the others", status, location, http.StatusSeeOther, "/account/sessions")
	endedOnNextRequest(t, app, phone, "the phone")
	endedOnNextRequest(t, app, tablet, "the tablet")
	if !laptop.loggedIn(app) || !bob.loggedIn(app) {
		t.Error("the laptop's or bob's session ended too")
	}
}

// changePassword posts the password form as v.
func changePassword(v *visitor, app *testApp, current, next, confirm string) (int, string, string) {
	return v.post(app.URL+"/account/password", url.Values{
		"current_password": {current}, "new_password": {next}, "confirm_password": {confirm}})
}

// TestNewPasswordEndsOtherSessions: a new password ends every other
// session of the account, a stolen cookie's too; the session that changed
// it goes on under a new ID, and says so; only the new password logs in.
func TestNewPasswordEndsOtherSessions(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone := logIn(t, app, "ada", password, "Phone")
	thief := copyOf(t, app, laptop)
	bob := signUp(t, app, "bob")
	before := sessionID(t, app, laptop)

	const newPassword = "a new password, long enough"
	status, location, _ := changePassword(laptop, app, password, newPassword, newPassword)
	expect(t, "changing the password", status, location, http.StatusSeeOther, "/account/sessions")
	if _, _, body := laptop.get(app.URL + "/account/sessions"); !strings.Contains(body,
		"Your password is changed, and every other session of your account has ended.") {
		t.Errorf("no flash: %q", body)
	}
	if sessionID(t, app, laptop) == before {
		t.Error("the session that changed the password kept its ID")
	}
	if got := len(handles(t, app, laptop)); got != 0 {
		t.Errorf("the list still offers %d other sessions, want 0: they are still stored", got)
	}
	endedOnNextRequest(t, app, phone, "the phone")
	endedOnNextRequest(t, app, thief, "the thief with the old cookie")
	if !laptop.loggedIn(app) || !bob.loggedIn(app) {
		t.Error("the laptop's or bob's session ended")
	}
	status, location, _ = newVisitor(t).post(app.URL+"/login", credentials("ada", password))
	expect(t, "the old password", status, location, http.StatusSeeOther, "/login")
	logIn(t, app, "ada", newPassword, "Phone")
}

// TestPasswordFormRefuses: a wrong current password, two new ones that
// differ, or a new one the rules refuse change nothing.
func TestPasswordFormRefuses(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := signUp(t, app, "ada")
	other := logIn(t, app, "ada", password, "Phone")
	for _, tc := range []struct {
		name                   string
		current, next, confirm string
		status                 int
		flash                  string
	}{
		{"a wrong current password", "wrong password", "new password 1", "new password 1", http.StatusSeeOther, "Your current password is not that one."},
		{"two new ones that differ", password, "new password 1", "new password 2", http.StatusSeeOther, "The two new passwords differ."},
		{"a short new one", password, "short", "short", http.StatusBadRequest, ""},
		{"no new one", password, "", "", http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := changePassword(v, app, tc.current, tc.next, tc.confirm)
			if status != tc.status {
				t.Fatalf("got %d %q, want %d", status, body, tc.status)
			}
			if tc.flash != "" {
				if _, _, body := v.get(app.URL + "/account/password"); !strings.Contains(body, tc.flash) {
					t.Errorf("the form lacks %q: %q", tc.flash, body)
				}
			}
			if !other.loggedIn(app) {
				t.Fatal("a refused change ended the other session")
			}
		})
	}
	logIn(t, app, "ada", password, "Laptop") // the password is the old one
}

// TestDeleteAccount: the account goes with every session of it; its ID can
// be taken again, and the new account inherits nothing: the old sessions
// open nothing, and the new account's list is empty of them.
func TestDeleteAccount(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone := logIn(t, app, "ada", password, "Phone")
	thief := copyOf(t, app, phone)

	status, location, _ := laptop.post(app.URL+"/account/delete", url.Values{"password": {"not my password"}})
	expect(t, "deleting with a wrong password", status, location, http.StatusSeeOther, "/account/sessions")
	if !phone.loggedIn(app) {
		t.Fatal("a refused deletion ended a session")
	}
	status, location, _ = laptop.post(app.URL+"/account/delete", url.Values{"password": {password}})
	expect(t, "deleting the account", status, location, http.StatusSeeOther, "/login")
	if _, _, body := laptop.get(app.URL + "/login"); !strings.Contains(body, "Your account is deleted, with all its sessions.") {
		t.Errorf("no flash: %q", body)
	}
	endedOnNextRequest(t, app, phone, "the phone")
	var rows int
	if err := app.db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("accounts left: %d (err %v), want 0", rows, err)
	}

	newAda := signUp(t, app, "ada")
	if thief.loggedIn(app) {
		t.Error("a session of the deleted account opens the new one")
	}
	if got := len(handles(t, app, newAda)); got != 0 {
		t.Errorf("the new account lists %d other sessions, want 0", got)
	}
}

// TestRacingRequestDoesNotComeBack: a request of another session that is
// running while the password changes (it loaded its session before) saves
// after the change. Its session stays ended: the store does not write it
// back, and its cookie opens nothing.
func TestRacingRequestDoesNotComeBack(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone := logIn(t, app, "ada", password, "Phone")

	// The phone's request, halfway: its session is loaded.
	r := httptest.NewRequest(http.MethodGet, "/protected_page", nil)
	r.AddCookie(phone.cookie(app))
	sess, err := app.store.New(r, sessionName)
	if err != nil || sess.IsNew {
		t.Fatalf("loading the phone's session: %v", err)
	}
	const newPassword = "a new password, long enough"
	changePassword(laptop, app, password, newPassword, newPassword)
	sess.Values["late"] = "written after the change"
	w := httptest.NewRecorder()
	if err := app.store.Save(r, w, sess); err != nil {
		t.Fatal(err)
	}
	endedOnNextRequest(t, app, phone, "the phone")
	if got := len(handles(t, app, laptop)); got != 0 {
		t.Errorf("the laptop's list offers %d sessions, want 0", got)
	}
}

// TestLoginRacingPasswordChange: a login that checked the old password a
// moment before the change gets a session that opens nothing: it holds
// the password's old version.
func TestLoginRacingPasswordChange(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "ada")
	ctx := context.Background()
	early, err := app.accounts.logIn(ctx, "ada", password) // checked, not yet saved
	if err != nil {
		t.Fatal(err)
	}
	changed, err := app.accounts.setPassword(ctx, early.key, "a new password, long enough")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := app.accounts.userOf(ctx, early); ok || err != nil {
		t.Errorf("the early login: got %v, %v; want it to open nothing", ok, err)
	}
	if user, ok, err := app.accounts.userOf(ctx, changed); !ok || err != nil || user != "ada" {
		t.Errorf("the new login: got %q, %v, %v; want ada", user, ok, err)
	}
}

// TestQueriesTakeNoText: a user ID full of SQL is a user ID, stored and
// compared as it is, since every query passes it as a parameter.
func TestQueriesTakeNoText(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "ada")
	for _, id := range []string{"x'or'1'='1", "ada';delete-from-accounts;--"} {
		v := signUp(t, app, id)
		if _, _, body := v.get(app.URL + "/protected_page"); !strings.Contains(body, "Hey "+html.EscapeString(id)) {
			t.Errorf("%q: %q", id, body)
		}
	}
	status, location, _ := newVisitor(t).post(app.URL+"/login", credentials("x'or'1'='1", "wrong password"))
	expect(t, "a wrong password for the SQL-looking ID", status, location, http.StatusSeeOther, "/login")
	logIn(t, app, "ada", password, "Laptop")
}

// TestTwoInstancesShareEverything: two instances of the program on one
// database (one SQLite file on this machine, one PostgreSQL server for
// several) share signups, logins and logouts; an account's page on one
// ends a session used on the other; and a restart ends no login.
func TestTwoInstancesShareEverything(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(t *testing.T) config
	}{
		{"sqlite", func(t *testing.T) config {
			return config{Store: "sqlite", DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "accounts.db")}
		}},
		{"postgres", func(t *testing.T) config {
			return config{Store: "postgres", DatabaseURL: pgtest.Start(t).NewDatabase(t)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg(t)
			a := serveTestApp(t, newTestBackend(t, cfg, discard), true, discard)
			b := serveTestApp(t, newTestBackend(t, cfg, discard), true, discard)
			onA := signUp(t, a, "ada")
			onB := logIn(t, b, "ada", password, "Phone") // the signup made on A
			if got := len(handles(t, a, onA)); got != 1 {
				t.Fatalf("A lists %d other sessions, want 1 (made on B)", got)
			}
			// Behind a load balancer a browser's requests go to either.
			moved := newVisitor(t)
			u, _ := url.Parse(a.URL)
			moved.client.Jar.SetCookies(u, []*http.Cookie{onB.cookie(b)})
			if !moved.loggedIn(a) {
				t.Fatal("B's session does not open A")
			}
			onA.post(a.URL+"/account/sessions/end-others", nil)
			endedOnNextRequest(t, b, onB, "B's session")

			// A restart: a third instance, on the same database.
			c := serveTestApp(t, newTestBackend(t, cfg, discard), true, discard)
			again := newVisitor(t)
			uc, _ := url.Parse(c.URL)
			again.client.Jar.SetCookies(uc, []*http.Cookie{onA.cookie(a)})
			if !again.loggedIn(c) {
				t.Error("a restart ended the login")
			}
			onA.post(a.URL+"/logout", nil)
			if again.loggedIn(c) {
				t.Error("a logout on A left the session open on the other instance")
			}
		})
	}
}
