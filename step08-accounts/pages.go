package main

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v5"
)

// page is what a template shows: who is logged in, the flash messages
// waiting for this page, and the account's sessions.
type page struct {
	User     string
	Flashes  []string
	Sessions []sessionRow
}

// sessionRow is one line of the list of sessions.
type sessionRow struct {
	Handle          string // for the form that ends it; never the session's ID
	Began, LastUsed string
	Agent           string // the browser's user agent at login, shortened
	Current         bool
}

// pageTemplate is one page of the site. html/template escapes every value
// it inserts, so a user ID like <script> is shown, never run.
type pageTemplate = *template.Template

// layout is every page's frame.
const layout = `{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>body{font:18px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0}input{font:inherit;display:block;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1rem}table{border-collapse:collapse;width:100%;font-size:.9em}
td,th{text-align:left;border-bottom:1px solid #ccc;padding:.4rem .3rem;vertical-align:top}td form button{margin:0}.t{white-space:nowrap}.rule{font-size:.85em;margin:-.5rem 0 0;color:#555}.flash{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem 1rem}</style>
</head><body><h1>{{.}}</h1>{{end}}
{{define "flashes"}}{{range .}}<p class="flash" role="status">{{.}}</p>{{end}}{{end}}`

var (
	homePage = template.Must(template.New("home").Parse(layout + `{{template "top" "Sessions in Go: log in"}}
{{template "flashes" .Flashes}}
{{if .User}}<p>You are logged in as {{.User}}. <a href="/protected_page">Your page</a>, <a href="/account/sessions">your sessions</a>.</p>
{{else}}<p>You are not logged in. <a href="/login">Log in</a> or <a href="/signup">sign up</a>.</p>{{end}}
</body></html>`))

	signupPage = template.Must(template.New("signup").Parse(layout + `{{template "top" "Sign up"}}
{{template "flashes" .Flashes}}
<form method="post" action="/signup">
<label>User ID <input name="id" required maxlength="64" autocomplete="username" aria-describedby="id-rule"></label>
<p class="rule" id="id-rule">1 to 64 letters, digits or punctuation marks, no spaces. Capitals count as small letters: Ada and ada are one name.</p>
<label>Password <input name="password" type="password" required minlength="8" maxlength="72" autocomplete="new-password"></label>
<button>Sign up</button>
</form>
<p>Have an account? <a href="/login">Log in</a>.</p>
</body></html>`))

	loginPage = template.Must(template.New("login").Parse(layout + `{{template "top" "Log in"}}
{{template "flashes" .Flashes}}
<form method="post" action="/login">
<label>User ID <input name="id" required maxlength="64" autocomplete="username"></label>
<label>Password <input name="password" type="password" required maxlength="72" autocomplete="current-password"></label>
<button>Log in</button>
</form>
<p>No account yet? <a href="/signup">Sign up</a>.</p>
</body></html>`))

	protectedPage = template.Must(template.New("protected").Parse(layout + `{{template "top" "Protected page"}}
<p>Hey {{.User}}</p>
<p><a href="/account/sessions">Your sessions</a> · <a href="/account/password">Change your password</a></p>
<form method="post" action="/logout"><button>Log out</button></form>
</body></html>`))

	// region sessionstemplate
	sessionsPage = template.Must(template.New("sessions").Parse(layout + `{{template "top" "Your sessions"}}
{{template "flashes" .Flashes}}
<p>{{.User}}, you are logged in on these browsers. End any you do not know, or no longer use.</p>
<table><thead><tr><th scope="col">Browser</th><th scope="col">Since (UTC)</th><th scope="col">Last used</th><th scope="col"></th></tr></thead>
<tbody>{{range .Sessions}}<tr><td>{{.Agent}}</td><td class="t">{{.Began}}</td><td class="t">{{.LastUsed}}</td>
<td>{{if .Current}}<strong>This browser</strong>{{else}}<form method="post" action="/account/sessions/end">
<input type="hidden" name="session" value="{{.Handle}}"><button>End</button></form>{{end}}</td></tr>
{{end}}</tbody></table>
<form method="post" action="/account/sessions/end-others"><button>End every other session</button></form>
<p><a href="/account/password">Change your password</a> (that ends every other session too) · <a href="/protected_page">Your page</a></p>
<form method="post" action="/logout"><button>Log out</button></form>
<h2>Delete your account</h2>
<form method="post" action="/account/delete">
<label>Your password <input name="password" type="password" required maxlength="72" autocomplete="current-password"></label>
<button>Delete my account and all its sessions</button>
</form>
</body></html>`))
	// endregion sessionstemplate

	passwordPage = template.Must(template.New("password").Parse(layout + `{{template "top" "Change your password"}}
{{template "flashes" .Flashes}}
<p>Every other session of your account ends when the password changes.</p>
<form method="post" action="/account/password">
<input name="id" type="hidden" value="{{.User}}" autocomplete="username">
<label>Current password <input name="current_password" type="password" required maxlength="72" autocomplete="current-password"></label>
<label>New password <input name="new_password" type="password" required minlength="8" maxlength="72" autocomplete="new-password"></label>
<label>The new password again <input name="confirm_password" type="password" required minlength="8" maxlength="72" autocomplete="new-password"></label>
<button>Change the password</button>
</form>
<p><a href="/account/sessions">Your sessions</a></p>
</body></html>`))
)

// render answers with t, filled in with p. The page is made in full before
// anything is sent, so that a template error is a clean 500.
func render(c *echo.Context, t pageTemplate, p page) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
