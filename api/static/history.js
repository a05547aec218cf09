// citesearch: the last searches, with their filters, kept in this browser only (localStorage);
// nothing about them is sent to the server. Each is a link back to it; "Clear" forgets them all.
"use strict";

(function () {
  const cs = window.citesearch;
  if (!cs) return;
  const { el, clear, navigate, stateUrl } = cs;
  const KEY = "citesearch.history";
  const KEEP = 20;
  const body = document.getElementById("history-body");
  const panel = document.getElementById("history");

  function load() {
    try {
      const list = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter((h) => h && typeof h.q === "string") : [];
    } catch (_) {
      return []; // storage off (private mode) or damaged: no history, searching still works
    }
  }

  function save(list) {
    try {
      localStorage.setItem(KEY, JSON.stringify(list));
    } catch (_) {
      // Full or forbidden: the history is a convenience, never an error.
    }
  }

  // What makes two searches the same: the query (its filters included), mode, order, documents.
  function sameSearch(a, b) {
    return a.q === b.q && a.mode === b.mode && a.sort === b.sort && (a.docs || []).join() === (b.docs || []).join();
  }

  function remember(state) {
    if (!state.q) return;
    const entry = { q: state.q, mode: state.mode, sort: state.sort, k: state.k, docs: state.docs || [], at: new Date().toISOString() };
    const list = [entry, ...load().filter((h) => !sameSearch(h, entry))].slice(0, KEEP);
    save(list);
    render(list);
  }

  function describe(h) {
    const bits = [];
    if (h.mode && h.mode !== "hybrid") bits.push(h.mode === "bm25" ? "exact words" : "similar meaning");
    if (h.sort === "date") bits.push("newest first");
    if (h.docs && h.docs.length) bits.push(`${h.docs.length} document${h.docs.length === 1 ? "" : "s"}`);
    return bits.join(", ");
  }

  function render(list) {
    clear(body);
    if (!list.length) {
      body.append(el("p", { className: "muted", text: "No searches yet. They are kept in this browser only." }));
      return;
    }
    const items = list.map((h) => {
      const state = { q: h.q, mode: h.mode || "hybrid", sort: h.sort || "relevance", k: h.k || 10, offset: 0, docs: h.docs || [] };
      const link = el("a", { className: "history-link", href: stateUrl(state), text: h.q });
      link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(state);
      });
      const extra = describe(h);
      return el("li", null, [link, extra ? el("span", { className: "muted", text: ` (${extra})` }) : null]);
    });
    const wipe = el("button", { type: "button", className: "history-clear", text: "Clear history" });
    wipe.addEventListener("click", () => {
      try {
        localStorage.removeItem(KEY);
      } catch (_) {
        // nothing to clear
      }
      render([]);
      panel.querySelector("summary").focus();
    });
    body.append(
      el("ol", { className: "history-list", "aria-label": "Recent searches, newest first" }, items),
      el("p", { className: "muted history-note" }, ["Kept in this browser only; never sent to the server. ", wipe])
    );
  }

  document.addEventListener("citesearch:searched", (event) => remember(event.detail.state));
  render(load());
})();
