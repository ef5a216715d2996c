package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
	"github.com/go-sessions-course/echo-sessions/internal/tooling/transcript"
)

// localhost names a test server's listener as the lesson does: localhost
// and a port. The API, the front end and the other page are three origins
// of one site.
func localhost(srv *httptest.Server) string {
	return strings.Replace("http://"+srv.Listener.Addr().String(), "127.0.0.1", "localhost", 1)
}

// otherPage is a page on a third origin that tries, as soon as it loads,
// to read the API's counter and to change the session four ways: a fetch
// with JSON (which needs a preflight), a fetch without one (text/plain,
// no-cors, whose answer the page cannot read: "opaque"), and a form post.
// It writes what it could read in #done.
func otherPage(api string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Another origin</title>
<iframe name="sink" hidden></iframe>
<form id="f" method="post" action="%[1]s/api/logout" target="sink"></form>
<script>
const api = %[1]q, out = [];
const tryFetch = (what, path, init) => fetch(api + path, {credentials: "include", ...init})
  .then(r => r.type == "opaque" ? out.push(what + ": opaque") :
    r.text().then(t => out.push(what + ": read " + r.status + " " + t)),
        () => out.push(what + ": blocked"));
(async () => {
  await tryFetch("counter", "/api/visits", {});
  await tryFetch("theme", "/api/prefs", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: '{"theme":"dark"}'});
  await tryFetch("logout", "/api/logout", {method: "POST", mode: "no-cors",
    headers: {"Content-Type": "text/plain"}, body: "{}"});
  document.getElementById("f").submit();
  await new Promise(done => document.querySelector("iframe").onload = done);
  const p = document.createElement("p");
  p.id = "done";
  p.textContent = out.join("; ");
  document.body.append(p);
})();
</script>`, api)
	})
}

// browserCookie is a cookie as DevTools lists it.
type browserCookie struct {
	Name    string  `json:"name"`
	Expires float64 `json:"expires"` // Unix seconds; -1 for a session cookie
	Session bool    `json:"session"`
	Value   string  `json:"value"`
}

// sessionCookie returns the browser's session cookie for url, or false.
func sessionCookie(t *testing.T, b *browsertest.Browser, url string) (browserCookie, bool) {
	t.Helper()
	var got struct {
		Cookies []browserCookie `json:"cookies"`
	}
	err := chromedp.Do(b.Step(), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		return tg.Call(ctx, "Network.getCookies", map[string]any{"urls": []string{url}}, &got)
	}))
	if err != nil {
		t.Fatalf("reading the cookies: %v", err)
	}
	for _, c := range got.Cookies {
		if c.Name == sessionName {
			return c, true
		}
	}
	return browserCookie{}, false
}

// TestBrowserFrontEnd: the front end on one origin signs up through the
// API on another, remembered: the cookie lasts 30 days. The counter
// climbs; a page on a third origin can neither read it nor change
// anything; the logout ends the session on the server. A second login,
// not remembered, gets a cookie that ends with the browser. With -update
// it takes the lesson's picture.
func TestBrowserFrontEnd(t *testing.T) {
	b := browsertest.Start(t)
	apiSrv, pageSrv := httptest.NewUnstartedServer(nil), httptest.NewUnstartedServer(nil)
	api, page := localhost(apiSrv), localhost(pageSrv)
	cfg := testConfig(t, config{FrontendOrigin: page})
	h, _ := newTestHandler(t, cfg)
	apiSrv.Config.Handler, pageSrv.Config.Handler = h, newFrontend(api, discard)
	apiSrv.Start()
	pageSrv.Start()
	other := httptest.NewServer(otherPage(api))
	t.Cleanup(func() { apiSrv.Close(); pageSrv.Close(); other.Close() })

	b.Do("opening the front end", chromedp.EmulateViewport(520, 560), chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#login")))
	wait := func(what, expression string) {
		t.Helper()
		if _, err := chromedp.Run(b.Step(), chromedp.Poll[bool](expression)); err != nil {
			t.Fatalf("%s: %v; the page says %q", what, err, b.Text())
		}
	}
	count := `document.getElementById("count").textContent`
	b.Do("signing up, remembered", chromedp.SendKeys(chromedp.CSS(`input[name="id"]`), "ada"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`input[name="remember"]`)),
		chromedp.Click(chromedp.CSS(`button[value="signup"]`)),
		chromedp.WaitVisible(chromedp.CSS("#account")))
	wait("the first visit", count+` == "Welcome to this page for the first time!"`)
	b.Do("visiting again", chromedp.Click(chromedp.CSS("#visit")))
	wait("the second visit", count+` == "You visited this page 2 times"`)
	if text := b.Text(); !strings.Contains(text, "Logged in as ada.") {
		t.Errorf("the page says %q", text)
	}
	c, ok := sessionCookie(t, b, api)
	wantExpiry := float64(time.Now().Add(30 * 24 * time.Hour).Unix())
	if !ok || c.Session || math.Abs(c.Expires-wantExpiry) > 3600 {
		t.Errorf("remembered: cookie %+v (found %v), want one that expires in 30 days", c, ok)
	}
	saveScreenshot(t, "step09-frontend@2x.png", b.FramedScreenshot(browsertest.Frame{}))

	b.Do("visiting the other origin", chromedp.Navigate(localhost(other)),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	const wantOther = "counter: blocked; theme: blocked; logout: opaque"
	if text := b.Text(); !strings.Contains(text, wantOther) {
		t.Errorf("the other page says %q, want %q", text, wantOther)
	}
	b.Do("coming back", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#account")))
	wait("the third visit, the other page's not counted", count+` == "You visited this page 3 times"`)
	theme, err := chromedp.Run(b.Step(), chromedp.Evaluate[string](`document.body.className`))
	if err != nil || theme != "light" {
		t.Errorf("the theme is %q (%v), want light: the other page changed it", theme, err)
	}

	b.Do("choosing the dark theme", chromedp.SetValue(chromedp.CSS("#theme"), "dark"),
		chromedp.Evaluate[chromedp.Void](
			`document.getElementById("theme").dispatchEvent(new Event("change"))`))
	wait("the dark theme", `document.body.className == "dark"`)
	b.Do("reloading", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#account")))
	wait("the theme kept in the session", `document.body.className == "dark"`)

	b.Do("logging out", chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login")))
	if text := b.Text(); !strings.Contains(text, "You are not logged in.") {
		t.Errorf("after the logout the page says %q", text)
	}
	if c2, ok := sessionCookie(t, b, api); ok {
		t.Errorf("after the logout the browser still has %+v", c2)
	}
	copied := newVisitor(t)
	req, _ := http.NewRequest(http.MethodGet, api+"/api/me", nil)
	req.AddCookie(&http.Cookie{Name: sessionName, Value: c.Value})
	resp, err := copied.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the cookie from before the logout: %d, want 401", resp.StatusCode)
	}

	b.Do("logging in, not remembered", chromedp.SendKeys(chromedp.CSS(`input[name="id"]`), "ada"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`button[value="login"]`)),
		chromedp.WaitVisible(chromedp.CSS("#account")))
	wait("a fresh count", count+` == "Welcome to this page for the first time!"`)
	if c, ok := sessionCookie(t, b, api); !ok || !c.Session {
		t.Errorf("not remembered: cookie %+v (found %v), want one that ends with the browser", c, ok)
	}
}

func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	if !transcript.Updating() {
		return
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "images", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
