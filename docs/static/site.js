// The course's only script. The pages work without it; it adds: the ← and
// → keys go to the previous and next page; the sidebar marks the section
// being read and keeps it in view; the menus close with Escape; a box
// that scrolls is a tab stop, and only then; copy buttons on code and
// commands; pictures open full size; the search; and printing opens every
// fold.
"use strict";

document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  if (e.key === "Escape") {
    // An open menu closes, and the keyboard goes back to its button.
    for (const d of document.querySelectorAll("details.menu[open]")) {
      d.open = false;
      d.querySelector("summary").focus();
    }
    return;
  }
  if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
  // Keys in a form, or in a box that scrolls sideways, are its own.
  if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable], pre, .table-wrap, dialog")) return;
  const link = document.querySelector(e.key === "ArrowLeft" ? 'link[rel="prev"]' : 'link[rel="next"]');
  if (link) location.href = link.href;
});

// The section being read: the last heading above the top third of the window.
const headings = [...document.querySelectorAll("main h2[id], main h3[id]")];
const links = new Map();
for (const a of document.querySelectorAll(".sidebar .sections a")) links.set(a.hash.slice(1), a);
const sidebar = document.querySelector(".sidebar");
let marked = null;
function markSection() {
  let current = null;
  for (const h of headings) {
    if (h.getBoundingClientRect().top > innerHeight / 3) break;
    current = h;
  }
  const a = current && links.get(current.id);
  if (a === marked) return;
  if (marked) { marked.classList.remove("here"); marked.removeAttribute("aria-current"); }
  if (a) { a.classList.add("here"); a.setAttribute("aria-current", "location"); }
  marked = a;
  // A long lesson's sections are taller than the window: the sidebar
  // scrolls so that the marked one stays in view (the page does not move).
  if (a && sidebar) {
    const box = sidebar.getBoundingClientRect(), r = a.getBoundingClientRect();
    if (r.top < box.top + 40 || r.bottom > box.bottom - 40) {
      sidebar.scrollTop += r.top - box.top - box.height / 3;
    }
  }
}
if (links.size) {
  let queued = false;
  addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; markSection(); });
  }, { passive: true });
  markSection();
}

// The phone's menus close when one of their links is followed, and one
// opening closes the other.
for (const a of document.querySelectorAll(".menu a")) {
  a.addEventListener("click", () => a.closest("details").removeAttribute("open"));
}
for (const d of document.querySelectorAll("details.menu")) {
  d.addEventListener("toggle", () => {
    if (!d.open) return;
    for (const other of document.querySelectorAll("details.menu[open]")) if (other !== d) other.open = false;
  });
}

// A box that scrolls sideways is a tab stop, so that the keyboard can
// scroll it; one that does not scroll is not one more stop on the way.
function tabStops() {
  for (const e of document.querySelectorAll("main pre, main .table-wrap")) {
    if (e.scrollWidth > e.clientWidth + 1) {
      e.tabIndex = 0;
      e.setAttribute("role", "region");
      e.setAttribute("aria-label", e.matches("pre") ? "Code, scrolls sideways" : "Table, scrolls sideways");
    } else if (e.hasAttribute("tabindex")) {
      e.removeAttribute("tabindex");
      e.removeAttribute("role");
      e.removeAttribute("aria-label");
    }
  }
}
tabStops();
addEventListener("resize", tabStops);

// Copy buttons. A transcript copies its commands alone, without the
// prompts or what the commands printed; code copies its lines without
// their numbers; a diff copies the new version.
function copyText(pre) {
  const text = (sel) => [...pre.querySelectorAll(sel)].map((l) => {
    const c = l.cloneNode(true);
    for (const x of c.querySelectorAll(".prompt, .ln, .sign")) x.remove();
    return c.textContent.replace(/\n$/, "");
  }).join("\n") + "\n";
  if (pre.matches(".wrap")) return text(".line.cmd");
  if (pre.matches(".diff")) return text(".line:not(.del):not(.hunk) .cl");
  return text(".line .cl");
}
for (const pre of document.querySelectorAll("main figure.block > pre")) {
  if (pre.matches(".wrap") && !pre.querySelector(".line.cmd")) continue; // output alone: nothing to run
  const fig = pre.parentElement;
  let cap = fig.querySelector(":scope > figcaption");
  if (cap) {
    const span = document.createElement("span");
    span.className = "cap";
    span.append(...cap.childNodes);
    cap.append(span);
  } else {
    cap = document.createElement("figcaption");
    cap.className = "bare";
    fig.prepend(cap);
  }
  cap.classList.add("with-copy");
  const b = document.createElement("button");
  b.type = "button";
  b.className = "copy";
  const label = pre.matches(".wrap") ? "Copy the commands" : pre.matches(".diff") ? "Copy the new version" : "Copy";
  b.textContent = label;
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(copyText(pre));
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy by hand";
    }
    setTimeout(() => { b.textContent = label; }, 1500);
  });
  cap.append(b);
}

// Pictures open full size in a view of their own, which scrolls: on a
// phone a diagram or a screenshot is read at its own size, not shrunk.
for (const a of document.querySelectorAll("main a.zoom")) {
  a.addEventListener("click", (e) => {
    const img = a.querySelector("img");
    if (!img) return;
    e.preventDefault();
    const d = document.createElement("dialog");
    d.className = "viewer";
    d.setAttribute("aria-label", img.alt ? "Full size: " + img.alt.slice(0, 80) : "Full size");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "Close";
    close.addEventListener("click", () => d.close());
    const big = document.createElement("img");
    big.src = img.src;
    big.alt = img.alt;
    // Its own size, and never less than twice what the page showed.
    const w = Math.max(+img.getAttribute("width") || img.naturalWidth, img.clientWidth * 2);
    big.width = w;
    if (img.getAttribute("height")) big.height = Math.round(w * img.getAttribute("height") / img.getAttribute("width"));
    d.append(close, big);
    d.addEventListener("close", () => { d.remove(); a.focus(); });
    document.body.append(d);
    d.showModal();
    close.focus({ preventScroll: true });
    d.scrollTo(0, 0); // the picture's top left corner first
  });
}

// Search: the index (every section and source line) is fetched once, on
// the first key; matching runs here. Sections whose heading holds the words
// come first, then sections that hold them, then source lines.
let index = null;
function loadIndex() {
  if (!index) {
    const src = document.querySelector("script[data-index]").dataset.index;
    index = fetch(src).then((r) => r.json());
  }
  return index;
}
const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
function highlight(text, words) {
  let out = esc(text);
  for (const w of words) {
    const re = new RegExp(esc(w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
    out = out.replace(re, (m) => "<mark>" + m + "</mark>");
  }
  return out;
}
function snippet(text, w) {
  const i = Math.max(0, text.toLowerCase().indexOf(w));
  const from = Math.max(0, i - 50), to = Math.min(text.length, i + 90);
  return (from > 0 ? "…" : "") + text.slice(from, to) + (to < text.length ? "…" : "");
}
function search(idx, q) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const all = (s) => { s = s.toLowerCase(); return words.every((w) => s.includes(w)); };
  const titled = [], others = [], lines = [];
  for (const s of idx.sections) {
    const where = s.t ? s.p + " › " + s.t : s.p;
    if (all(s.t)) titled.push({ where, url: s.u, snippet: snippet(s.x, words[0]) });
    else if (all(s.t + " " + s.x)) others.push({ where, url: s.u, snippet: snippet(s.x, words[0]) });
  }
  for (const f of idx.files) {
    f.l.forEach((l, i) => {
      if (lines.length < 30 && all(l)) {
        const n = i + 1;
        lines.push({ where: f.p + ":" + n, url: "/source/" + f.p + "?lines=" + n + "-" + n + "#L" + n, snippet: l.trim() });
      }
    });
  }
  return { words, sections: titled.concat(others), lines };
}
for (const form of document.querySelectorAll("form.search")) {
  const input = form.querySelector("input");
  const box = form.querySelector(".results");
  let timer = 0;
  const show = async () => {
    const q = input.value.trim();
    if (!q) { box.hidden = true; box.innerHTML = ""; return; }
    const r = search(await loadIndex(), q);
    if (input.value.trim() !== q) return; // typed on meanwhile
    const item = (x) => `<a href="${esc(x.url)}"><span class="where">${esc(x.where)}</span>` +
      `<span class="snippet">${highlight(x.snippet, r.words)}</span></a>`;
    box.innerHTML = r.sections.length + r.lines.length === 0
      ? "<p>Nothing in the course holds every one of these words.</p>"
      : r.sections.slice(0, 12).map(item).join("") +
        (r.lines.length ? "<p>In the source files</p>" + r.lines.slice(0, 8).map(item).join("") : "");
    box.hidden = false;
    form.dataset.shown = q;
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(show, 120); });
  input.addEventListener("focus", loadIndex, { once: true });
  form.addEventListener("submit", (e) => {
    // Enter opens the first result; without the script the form asks the
    // server's /search page.
    const first = box.querySelector("a");
    if (first) { e.preventDefault(); location.href = first.href; }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && input.value) { input.value = ""; show(); e.stopPropagation(); }
  });
}

// Print every fold open, then close again those the reader had closed.
let closed = [];
addEventListener("beforeprint", () => {
  closed = [...document.querySelectorAll("main details:not([open])")];
  for (const d of closed) d.open = true;
});
addEventListener("afterprint", () => { for (const d of closed) d.open = false; });

// Said last, for the browser tests: the keys and the marks work now.
document.documentElement.dataset.js = "ready";
