// The front end: it calls the API on another origin with fetch. Every
// call says credentials: "include", so the browser sends the session
// cookie and keeps the one the API sets. The API's CORS headers let this
// origin, and no other, read the answers.
"use strict";

const api = document.querySelector('meta[name="api"]').content;
const $ = (id) => document.getElementById(id);

// region call
// call sends a request to the API, with JSON when there is a body, and
// returns the answer's JSON, or throws the API's error message.
async function call(method, path, body) {
  const res = await fetch(api + path, {
    method,
    credentials: "include", // send and keep the session cookie
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || res.status + " " + res.statusText);
  return data;
}
// endregion call

// show says what went wrong, or hides the last error.
function show(err) {
  $("error").hidden = !err;
  $("error").textContent = err ? err.message : "";
}

// render shows the login form, or the account, for who (null: nobody).
function render(who) {
  $("login").hidden = who !== null;
  $("account").hidden = who === null;
  $("who").textContent = who ? "Logged in as " + who.user + "." : "You are not logged in.";
  const theme = (who && who.prefs.theme) || "light";
  document.body.className = theme;
  $("theme").value = theme;
}

async function visit() {
  const v = await call("GET", "/api/visits");
  $("count").textContent = v.message;
}

async function refresh() {
  try {
    render(await call("GET", "/api/me"));
    await visit();
  } catch (err) {
    render(null); // 401: not logged in, or the session has ended
    if (!err.message.startsWith("You are not logged in")) show(err);
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = (name) => event.target.elements.namedItem(name); // not form.id: that is "login"
  const path = event.submitter.value === "signup" ? "/api/signup" : "/api/login";
  try {
    await call("POST", path, {
      id: field("id").value,
      password: field("password").value,
      remember: field("remember").checked,
    });
    field("password").value = "";
    show(null);
    await refresh();
  } catch (err) {
    show(err);
  }
});

$("visit").addEventListener("click", () => visit().catch(show));

$("theme").addEventListener("change", async (event) => {
  try {
    await call("POST", "/api/prefs", { theme: event.target.value });
    document.body.className = event.target.value;
  } catch (err) {
    show(err);
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await call("POST", "/api/logout", {});
    show(null);
    $("count").textContent = "";
    render(null);
  } catch (err) {
    show(err);
  }
});

refresh();
