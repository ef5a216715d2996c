package main

import (
	"cmp"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/pgtest"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sessionindex"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
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
	var accounts, sessions int
	if err := app.db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&accounts); err != nil || accounts != 0 {
		t.Errorf("accounts left: %d (err %v), want 0", accounts, err)
	}
	err := app.db.QueryRow(`SELECT count(*) FROM sessions WHERE owner IS NOT NULL`).Scan(&sessions)
	if err != nil || sessions != 0 {
		t.Errorf("sessions of the account left: %d (err %v), want 0", sessions, err)
	}

	newAda := signUp(t, app, "ada")
	if thief.loggedIn(app) {
		t.Error("a session of the deleted account opens the new one")
	}
	if got := len(handles(t, app, newAda)); got != 0 {
		t.Errorf("the new account lists %d other sessions, want 0", got)
	}
}

// stored reports whether the sessions table holds a row under id.
func stored(t *testing.T, app *testApp, id string) bool {
	t.Helper()
	var n int
	if err := app.db.QueryRow(`SELECT count(*) FROM sessions WHERE id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestRacingRequestDoesNotComeBack: a request of another session that is
// running while the owner ends it (it loaded its session before) saves
// after. Its session stays ended: the store does not write it back, and
// its cookie opens nothing. Both ways of ending it: "End every other
// session", which leaves the password as it was, and a new password.
func TestRacingRequestDoesNotComeBack(t *testing.T) {
	const newPassword = "a new password, long enough"
	for _, tc := range []struct {
		name string
		end  func(laptop *visitor, app *testApp) (int, string, string)
	}{
		{"end the others", func(laptop *visitor, app *testApp) (int, string, string) {
			return laptop.post(app.URL+"/account/sessions/end-others", nil)
		}},
		{"a new password", func(laptop *visitor, app *testApp) (int, string, string) {
			return changePassword(laptop, app, password, newPassword, newPassword)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
			status, location, _ := tc.end(laptop, app)
			expect(t, "ending the phone's session", status, location, http.StatusSeeOther, "/account/sessions")
			sess.Values["late"] = "written after it ended"
			if err := app.store.Save(r, httptest.NewRecorder(), sess); err != nil {
				t.Fatal(err)
			}
			if stored(t, app, sess.ID) {
				t.Fatal("the late save wrote the ended session back")
			}
			endedOnNextRequest(t, app, phone, "the phone")
		})
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
			return config{Store: "postgres", DatabaseURL: pgtest.Database(t)}
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
			// A's page names B's session; the form goes to B.
			handle := handles(t, a, onA)[0]
			ub, _ := url.Parse(b.URL)
			fromB := newVisitor(t)
			fromB.client.Jar.SetCookies(ub, []*http.Cookie{onA.cookie(a)})
			status, location, _ := fromB.post(b.URL+"/account/sessions/end", url.Values{"session": {handle}})
			expect(t, "ending on B with A's handle", status, location, http.StatusSeeOther, "/account/sessions")
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

// TestAccountFormsRefuseOtherOrigins: every form of the account pages is a
// POST behind the cross-origin check, as logging out is: a page of another
// site cannot end a session, change the password or delete the account.
func TestAccountFormsRefuseOtherOrigins(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone := logIn(t, app, "ada", password, "Phone")
	handle := handles(t, app, laptop)[0]
	for path, form := range map[string]url.Values{
		"/account/sessions/end":        {"session": {handle}},
		"/account/sessions/end-others": {},
		"/account/password": {"current_password": {password}, "new_password": {"another long password"},
			"confirm_password": {"another long password"}},
		"/account/delete": {"password": {password}},
	} {
		status, _, body := laptop.post(app.URL+path, form, "Sec-Fetch-Site", "cross-site")
		if status != http.StatusForbidden {
			t.Errorf("%s from another site: got %d %q, want 403", path, status, body)
		}
	}
	if !phone.loggedIn(app) || !laptop.loggedIn(app) {
		t.Error("a refused post ended a session")
	}
	logIn(t, app, "ada", password, "Laptop") // the password is unchanged
}

// TestAccountPagesArePrivate: the account pages carry Cache-Control:
// no-store and Vary: Cookie, and a HEAD of them neither saves the session
// nor eats the flash that waits for the GET.
func TestAccountPagesArePrivate(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := signUp(t, app, "ada")
	logIn(t, app, "ada", password, "Phone")
	for _, path := range []string{"/account/sessions", "/account/password"} {
		resp := v.send(http.MethodGet, app.URL+path, nil)
		resp.Body.Close()
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Vary") != "Cookie" {
			t.Errorf("%s: Cache-Control %q, Vary %q; want no-store, Cookie", path,
				resp.Header.Get("Cache-Control"), resp.Header.Get("Vary"))
		}
	}
	v.post(app.URL+"/account/sessions/end-others", nil) // a flash waits for the list
	resp := v.send(http.MethodHead, app.URL+"/account/sessions", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("HEAD: got %d, Set-Cookie %q; want 200, none", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	if _, _, body := v.get(app.URL + "/account/sessions"); !strings.Contains(body, "Every other session") ||
		!strings.Contains(body, `class="flash"`) {
		t.Errorf("the HEAD request ate the flash: %q", body)
	}
}

// TestUserAgentIsCut: a session keeps at most 256 bytes of the user agent,
// in whole characters, as valid UTF-8.
func TestUserAgentIsCut(t *testing.T) {
	for _, tc := range []struct{ sent, want string }{
		{"Firefox", "Firefox"},
		{strings.Repeat("a", 255) + "é", strings.Repeat("a", 255)}, // é's two bytes would make 257
		{strings.Repeat("é", 200), strings.Repeat("é", 128)},
		{"bad \xff byte", "bad ? byte"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("User-Agent", tc.sent)
		if got := userAgent(r); got != tc.want {
			t.Errorf("userAgent(%.20q...): got %.20q... (%d bytes), want %.20q... (%d bytes)",
				tc.sent, got, len(got), tc.want, len(tc.want))
		}
	}
}

// TestOneSignupWins: two signups of one ID at the same moment (on two
// instances, say) make one account: the database's UNIQUE column decides.
func TestOneSignupWins(t *testing.T) {
	app := newTestApp(t, config{}, true)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := app.accounts.signUp(context.Background(), "ada", password)
			errs <- err
		}()
	}
	first, second := <-errs, <-errs
	if (first == nil) == (second == nil) || !errors.Is(cmp.Or(first, second), errTaken) {
		t.Errorf("got %v and %v, want one nil and one errTaken", first, second)
	}
}

// failingOwner is a storage whose SetOwner fails, as a database that goes
// away between two statements would.
type failingOwner struct{ sessionindex.Storage }

func (failingOwner) SetOwner(context.Context, string, string) error {
	return errors.New("the database went away")
}

// TestUnfiledSessionIsEnded: a login whose new session cannot be filed
// under its account (so no list would show it, and nobody could end it
// from another browser) gets a 503, and no session.
func TestUnfiledSessionIsEnded(t *testing.T) {
	b := newTestBackend(t, config{}, discard)
	storage, err := sqlstore.New(context.Background(), b.db, b.postgres)
	if err != nil {
		t.Fatal(err)
	}
	b.index = sessionindex.New(b.store, failingOwner{storage}, []byte(testSecret))
	app := serveTestApp(t, b, true, discard)
	v := newVisitor(t)
	status, _, _ := v.post(app.URL+"/signup", credentials("ada", password))
	if status != http.StatusServiceUnavailable {
		t.Errorf("got %d, want 503", status)
	}
	if v.cookie(app) != nil || v.loggedIn(app) {
		t.Error("the visitor kept a session that no list shows")
	}
	var n int
	if err := app.db.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions stored (err %v), want 0", n, err)
	}
}

// TestHomeSaysWhy: the home page, too, tells a session that was ended from
// another browser why it is logged out, once; a HEAD of it tells nothing
// and changes nothing.
func TestHomeSaysWhy(t *testing.T) {
	app := newTestApp(t, config{}, true)
	laptop := signUp(t, app, "ada")
	phone := logIn(t, app, "ada", password, "Phone")
	laptop.post(app.URL+"/account/sessions/end-others", nil)
	resp := phone.send(http.MethodHead, app.URL+"/", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("HEAD /: got %d, Set-Cookie %q; want 200, none", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	status, _, body := phone.get(app.URL + "/")
	if status != http.StatusOK || !strings.Contains(body, "Your session has ended") ||
		!strings.Contains(body, "You are not logged in.") {
		t.Errorf("GET /: got %d %q, want 200, the reason, and not logged in", status, body)
	}
	if _, _, body := phone.get(app.URL + "/"); strings.Contains(body, "Your session has ended") {
		t.Error("the reason was shown twice")
	}
}
