// The course's only script. The pages work without it; it adds three
// things: the ← and → keys go to the previous and next page, the sidebar
// marks the section being read, and printing opens every fold.
"use strict";

document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
  // Keys in a form, or in a box that scrolls sideways, are its own.
  if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable], pre, .table-wrap")) return;
  const link = document.querySelector(e.key === "ArrowLeft" ? 'link[rel="prev"]' : 'link[rel="next"]');
  if (link) location.href = link.href;
});

// The section being read: the last heading above the top third of the window.
const headings = [...document.querySelectorAll("main h2[id], main h3[id]")];
const links = new Map();
for (const a of document.querySelectorAll(".sidebar .sections a")) links.set(a.hash.slice(1), a);
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

// The phone's menu closes when one of its links is followed.
for (const a of document.querySelectorAll(".menu a")) {
  a.addEventListener("click", () => a.closest("details").removeAttribute("open"));
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
