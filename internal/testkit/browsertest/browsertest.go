// Package browsertest starts a headless Chromium for tests, through
// chromedp, or skips the test with a one-line reason: when there is none,
// and in a plain `go test` (see Wanted). CI installs Debian's chromium and
// sets COURSE_SWEEP=full, so there the browser tests always run.
//
// It stands in for nothing published: chromedp drives the browser, and this
// package adds what every browser test of the course needs around it
// (finding Chromium or skipping, a time limit on each action, and the framed
// screenshots with an address bar and a cookie list that the lessons show).
package browsertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a running headless Chromium with one tab.
type Browser struct {
	t   *testing.T
	ctx context.Context // the tab's context; it has no deadline (see Step)
}

// Start starts Chromium with a small window and a fresh profile, or skips
// the test. The browser is stopped when the test ends.
func Start(t *testing.T) *Browser {
	t.Helper()
	exe := findChromium(t)
	opts := options(exe, t.TempDir())
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	// No timeout on the tab's own context: chromedp would stop the browser
	// with it. Each step gets its own (see Step).
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(560, 120)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &Browser{t: t, ctx: ctx}
}

func findChromium(t *testing.T) string {
	t.Helper()
	if !Wanted() {
		t.Skip("browser tests run under COURSE_SWEEP=full (CI sets it), " +
			"-update, or -run: skipping Chromium in a plain go test")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (apt-get install chromium): skipping the browser test")
	return ""
}

func options(exe, profile string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		// This machine's network is closed: no update checks or sync.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
}

// Wanted reports whether this run starts Chromium: under COURSE_SWEEP=full
// (as .ci/run sets it), with -update (which saves screenshots), or when
// -run picks the tests. A plain `go test ./...` skips the browser: its
// starts were a sixth of a learner's first run, for checks CI makes anyway.
func Wanted() bool {
	if os.Getenv("COURSE_SWEEP") == "full" {
		return true
	}
	for _, name := range []string{"update", "test.run"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// shared is the one Chromium that a package's tests share (see Shared).
var shared struct {
	sync.Mutex
	root    context.Context // its first tab, kept open: closing it stops the browser
	profile string
	stop    func()
	err     error
}

// Shared returns a new tab of a Chromium that every test of the package
// shares, started by the first call: starting a browser costs about a
// second, a tab a few milliseconds. The tab closes when the test ends; the
// browser when StopShared is called (from TestMain) or the process exits.
// It skips the test, as Start does, when there is no Chromium.
func Shared(t *testing.T) *Browser {
	t.Helper()
	exe := findChromium(t)
	shared.Lock()
	defer shared.Unlock()
	if shared.root == nil && shared.err == nil {
		profile, err := os.MkdirTemp("", "browsertest-")
		if err != nil {
			t.Fatal(err)
		}
		opts := options(exe, profile)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		root, cancelRoot := chromedp.NewContext(allocCtx)
		if err := chromedp.Do(root); err != nil {
			shared.err = err
		}
		shared.root, shared.profile = root, profile
		shared.stop = func() { cancelRoot(); cancelAlloc(); _ = os.RemoveAll(profile) }
	}
	if shared.err != nil {
		t.Fatalf("starting Chromium: %v", shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.root)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(560, 120)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return &Browser{t: t, ctx: ctx}
}

// StopShared stops the browser that Shared started, if any.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.stop != nil {
		shared.stop()
		shared.root, shared.stop = nil, nil
	}
}

// Step returns a context for one action, with a 30-second limit.
func (b *Browser) Step() context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	b.t.Cleanup(cancel)
	return ctx
}

// Do runs actions in the tab, failing the test on an error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Step(), actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Text returns the page's visible text.
func (b *Browser) Text() string {
	b.t.Helper()
	text, err := chromedp.Run(b.Step(), chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		b.t.Fatalf("reading the page: %v", err)
	}
	return text
}

// Screenshot returns a PNG of the window.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.Step(), chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("taking a screenshot: %v", err)
	}
	return png
}

// FullScreenshot returns a picture of the whole page, however long: a PNG,
// or a JPEG of the given quality (1 to 99), far smaller for long pages.
func (b *Browser) FullScreenshot(quality int) []byte {
	b.t.Helper()
	img, err := chromedp.Run(b.Step(), chromedp.FullScreenshot(quality))
	if err != nil {
		b.t.Fatalf("taking a screenshot of the whole page: %v", err)
	}
	return img
}

// SetCookie changes a cookie's value the way a visitor does in DevTools'
// cookie list: the cookie for url keeps the attributes the course gives
// every cookie (HttpOnly, SameSite=Lax, Path=/), and only its value is the
// visitor's. A page's script could not do it: HttpOnly keeps it out.
func (b *Browser) SetCookie(url, name, value string) {
	b.t.Helper()
	var result struct {
		Success bool `json:"success"`
	}
	err := chromedp.Do(b.Step(), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		return t.Call(ctx, "Network.setCookie", map[string]any{
			"url": url, "name": name, "value": value,
			"path": "/", "httpOnly": true, "sameSite": "Lax",
		}, &result)
	}))
	if err != nil || !result.Success {
		b.t.Fatalf("setting the cookie %s=%s: success %v, %v", name, value, result.Success, err)
	}
}

// Media makes the pages see the given media type ("print", or "" for the
// screen) and the reader's system as "light" or "dark" (the CSS
// prefers-color-scheme feature), through the DevTools protocol's
// Emulation.setEmulatedMedia. Each call replaces the one before.
func Media(media, scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		params := map[string]any{
			"media":    media,
			"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}},
		}
		return t.Call(ctx, "Emulation.setEmulatedMedia", params, nil)
	})
}

// Frame says what a framed screenshot draws around the page: a headless
// browser has no window of its own to show.
type Frame struct {
	Address bool // an address bar with the page's URL (for lessons about URLs and redirects),
	// with the test server's host and port shown as the lesson's
	// localhost:3000, so that the picture does not change with the port
	Cookies bool // the page's cookies, listed as the browser's DevTools list them
}

// cookie is one row of DevTools' cookie list (Network.getCookies).
type cookie struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Domain   string  `json:"domain"`
	Path     string  `json:"path"`
	Expires  float64 `json:"expires"`
	HTTPOnly bool    `json:"httpOnly"`
	Secure   bool    `json:"secure"`
	SameSite string  `json:"sameSite"`
	Session  bool    `json:"session"`
}

// FramedScreenshot returns a PNG of the window at twice its pixels (sharp
// on today's screens; show it at half its size), drawn inside a plain
// browser window with what f asks for. The window is cut to the page's
// content, so that the picture is not half blank. The page itself is not
// touched: the frame is drawn in a second tab.
func (b *Browser) FramedScreenshot(f Frame) []byte {
	b.t.Helper()
	size, err := chromedp.Run(b.Step(), chromedp.Evaluate[[]int64](
		`[innerWidth, innerHeight, Math.ceil(document.body.getBoundingClientRect().bottom + 16)]`))
	if err != nil {
		b.t.Fatalf("reading the window's size: %v", err)
	}
	height := min(size[1], max(size[2], 64))
	b.Do("doubling the pixels", chromedp.EmulateViewport(size[0], height, chromedp.EmulateScale(2)))
	shot := b.Screenshot()
	b.Do("restoring the window", chromedp.EmulateViewport(size[0], size[1]))
	size[1] = height
	url, err := chromedp.Run(b.Step(), chromedp.Evaluate[string](`location.href`))
	if err != nil {
		b.t.Fatalf("reading the address: %v", err)
	}
	var cookies struct {
		Cookies []cookie `json:"cookies"`
	}
	if f.Cookies {
		if err := chromedp.Do(b.Step(), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			return t.Call(ctx, "Network.getCookies", map[string]any{"urls": []string{url}}, &cookies)
		})); err != nil {
			b.t.Fatalf("reading the cookies: %v", err)
		}
	}

	var page strings.Builder
	fmt.Fprintf(&page, `<!doctype html><html><head><style>%s</style></head><body><div class="win" style="min-width:%dpx">`, frameCSS, size[0]+2)
	page.WriteString(`<div class="top"><span class="dots"><i></i><i></i><i></i></span>`)
	if f.Address {
		shown := testHost.ReplaceAllString(url, "http://localhost:3000")
		fmt.Fprintf(&page, `<span class="url">%s</span>`, html.EscapeString(shown))
	}
	page.WriteString(`</div>`)
	fmt.Fprintf(&page, `<img width="%d" height="%d" src="data:image/png;base64,%s">`, size[0], size[1], base64.StdEncoding.EncodeToString(shot))
	if f.Cookies {
		page.WriteString(`<div class="devtools"><p>DevTools · Application · Cookies</p><table><tr><th>Name</th><th>Value</th>` +
			`<th>Domain</th><th>Path</th><th>Expires / Max-Age</th><th>HttpOnly</th><th>Secure</th><th>SameSite</th></tr>`)
		for _, c := range cookies.Cookies {
			// What changes on every run is shown as the transcripts show
			// it, so that `go generate ./docs` rewrites the same picture.
			expires := "Session"
			if !c.Session {
				expires = "in " + roughly(time.Until(time.Unix(int64(c.Expires), 0)))
			}
			domain := c.Domain
			if f.Address && domain == "127.0.0.1" {
				domain = "localhost" // as the address bar shows it
			}
			value := c.Value
			if len(value) > 12 {
				value = "<signed value>"
			}
			fmt.Fprintf(&page, `<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`,
				html.EscapeString(c.Name), html.EscapeString(value), html.EscapeString(domain), html.EscapeString(c.Path),
				expires, tick(c.HTTPOnly), tick(c.Secure), html.EscapeString(c.SameSite))
		}
		page.WriteString(`</table></div>`)
	}
	page.WriteString(`</div></body></html>`)

	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	step, cancelStep := context.WithTimeout(tab, 30*time.Second)
	defer cancelStep()
	doc, _ := json.Marshal(page.String())
	if err := chromedp.Do(step,
		chromedp.EmulateViewport(size[0]+400, 100, chromedp.EmulateScale(2)),
		chromedp.Navigate("about:blank"),
		chromedp.Evaluate[chromedp.Void](`document.open(); document.write(`+string(doc)+`); document.close()`),
	); err != nil {
		b.t.Fatalf("drawing the frame: %v", err)
	}
	img, err := chromedp.Run(step, chromedp.Screenshot(chromedp.CSS(".win")))
	if err != nil {
		b.t.Fatalf("taking the framed screenshot: %v", err)
	}
	return img
}

var testHost = regexp.MustCompile(`^http://(127\.0\.0\.1|localhost):\d+`)

// roughly is a cookie's lifetime as a reader says it: "24 hours".
func roughly(d time.Duration) string {
	switch {
	case d >= 90*time.Minute:
		return fmt.Sprintf("%d hours", (d+30*time.Minute)/time.Hour)
	case d >= 90*time.Second:
		return fmt.Sprintf("%d minutes", (d+30*time.Second)/time.Minute)
	}
	return fmt.Sprintf("%d seconds", (d+time.Second/2)/time.Second)
}

func tick(b bool) string {
	if b {
		return "✓"
	}
	return ""
}

const frameCSS = `body{margin:0;padding:16px;background:#fff;font:13px/1.4 system-ui,sans-serif}
.win{display:inline-block;border:1px solid #c8ccd1;border-radius:8px;overflow:hidden;box-shadow:0 2px 8px rgba(0,0,0,.12)}
.top{display:flex;align-items:center;gap:12px;padding:8px 12px;background:#eef0f3;border-bottom:1px solid #c8ccd1}
.dots i{display:inline-block;width:11px;height:11px;border-radius:50%;background:#c8ccd1;margin-right:6px}
.url{flex:1;padding:4px 12px;background:#fff;border:1px solid #c8ccd1;border-radius:14px;color:#1f2328;font-size:14px}
img{display:block}
.devtools{border-top:1px solid #c8ccd1;background:#f8f9fa;padding:6px 8px 10px}
.devtools p{margin:0 0 6px;color:#59636e;font-size:12px}
table{border-collapse:collapse;width:100%;font:12px ui-monospace,Menlo,Consolas,monospace;background:#fff}
th,td{border:1px solid #d1d9e0;padding:3px 6px;text-align:left;white-space:nowrap}
th{background:#eef0f3;font-family:system-ui,sans-serif;font-weight:600}`
