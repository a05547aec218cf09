// citesearch: an entity's page (GET /api/entities/{key}): every passage that mentions a person,
// organisation or place, across documents, newest first, with the entities most often beside it.
// The URL keeps it (?entity=person:lukashenk), so the back button and a reload come back to it.
"use strict";

(function () {
  const cs = window.citesearch;
  if (!cs) return;
  const { el, clear, getJson, annotated, notePanel, docLink, navigate, stateUrl, setStatus } = cs;
  const view = document.getElementById("entity-view");
  const KINDS = { person: "Person", org: "Organisation", place: "Place" };

  // A real link to an entity's page (copyable; a plain click stays on the page). `entity` is a
  // page key, or "kind:name" as a facet gives it (the server finds its page).
  function entityLink(text, state, entity, attrs) {
    const target = { ...state, entity, view: null, offset: 0 };
    const link = el("a", { className: "entity-link", href: stateUrl(target), text, ...(attrs || {}) });
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(target);
    });
    return link;
  }

  async function show(state) {
    clear(view);
    view.hidden = false;
    const signal = cs.startRequest();
    setStatus("Opening the page…", "loading");
    const p = new URLSearchParams({ offset: state.offset, limit: state.k });
    let data;
    try {
      data = await getJson(`/api/entities/${encodeURIComponent(state.entity)}?${p}`, signal);
    } catch (err) {
      if (err.name === "AbortError") return;
      setStatus(err.message, "error");
      view.append(lookup(state));
      return;
    }
    setStatus("");
    // A facet's "kind:name" becomes the page's key in the URL, so it is one page however reached.
    if (data.entity.key !== state.entity) {
      history.replaceState(history.state, "", stateUrl({ ...state, entity: data.entity.key }));
    }
    document.title = `${data.entity.name} — citesearch`;
    render(data, { ...state, entity: data.entity.key });
  }

  function render(data, state) {
    const e = data.entity;
    const first = data.offset + 1;
    const last = data.offset + data.passages.length;
    const spelled = data.spellings.map(([text, n]) => `${text} (${n})`).join(", ");
    view.append(
      el("p", { className: "entity-kind muted", text: KINDS[e.kind] || e.kind }),
      el("h2", { className: "entity-name", id: "entity-name", tabindex: "-1", text: e.name }),
      el("p", { className: "entity-counts", text:
        `${counted(data.total, "passage")} in ${counted(data.documents, "document")} mention ${e.kind === "person" ? "this person" : "it"}. ` +
        `Showing ${first}–${last}, newest document first.` }),
      el("p", { className: "entity-spellings muted", text: `Written as: ${spelled}` }),
      searchLink(e, state),
    );
    const layout = el("div", { className: "entity-layout" }, [
      el("ol", { className: "entity-passages", start: first, "aria-label": `Passages that mention ${e.name}` },
        data.passages.map((p) => el("li", null, [passage(p, state)]))),
      beside(data, state),
    ]);
    view.append(layout, pager(data, state), lookup(state));
    view.querySelector(".entity-name").focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  function counted(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  // The same passages as a search: the query language's filter for it.
  function searchLink(e, state) {
    const clause = `${e.kind}:"${e.name.replace(/"/g, " ")}"`;
    const target = { ...state, q: clause, entity: null, view: null, offset: 0 };
    const link = el("a", { className: "entity-search", href: stateUrl(target), text: `Search ${clause}` });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      navigate(target);
    });
    return el("p", null, [link]);
  }

  // A passage as a hit shows it: its document (linked to the passage in it), date, printed
  // pages, its note markers, and the entity's mentions marked.
  function passage(p, state) {
    const { panel, show } = notePanel();
    const pages = cs.pagesLabel(p.page_label_start || p.page_start, p.page_label_end || p.page_end);
    const head = el("header", { className: "hit-head" }, [
      el("h3", { className: "hit-title" }, [
        docLink(p.title, state, p.doc_id, p.char_start, p.char_end, p.page_start),
      ]),
      el("span", { className: "pages", text: [p.published, pages].filter(Boolean).join(" · ") }),
    ]);
    const text = el("p", { className: "passage" }, [annotated(p.text, null, p.citations, show, null, null, p.spans)]);
    const also = p.entities.filter((x) => x.key !== state.entity);
    const names = also.length
      ? el("p", { className: "entity-also muted" }, [
          "Also named: ",
          ...also.flatMap((x, i) => [i ? ", " : "", entityLink(x.name, state, x.key)]),
        ])
      : null;
    return el("article", { className: "hit entity-passage", "data-chunk": p.chunk_id }, [head, text, panel, names]);
  }

  function beside(data, state) {
    const items = data.beside.map((b) =>
      el("li", { "data-key": b.key }, [
        entityLink(b.name, state, b.key, { "aria-label": `${b.name}: in ${counted(b.passages, "passage")}` }),
        el("span", { className: "facet-count", text: String(b.passages) }),
      ])
    );
    return el("aside", { className: "entity-beside", "aria-labelledby": "beside-label" }, [
      el("h3", { id: "beside-label", className: "facet-label", text: "Mentioned most often beside it" }),
      items.length ? el("ul", { className: "beside-list" }, items) : el("p", { className: "muted", text: "No other entity." }),
    ]);
  }

  function pager(data, state) {
    const bar = el("nav", { className: "pager entity-pager", "aria-label": "Passage pages" });
    const go = (offset, text, disabled) => {
      const b = el("button", { type: "button", text, disabled });
      b.addEventListener("click", () => navigate({ ...state, offset }));
      return b;
    };
    bar.append(
      go(Math.max(0, data.offset - state.k), "← Previous", data.offset === 0),
      el("span", { text: `Page ${Math.floor(data.offset / state.k) + 1} of ${Math.max(1, Math.ceil(data.total / state.k))}` }),
      go(data.offset + state.k, "Next →", data.offset + data.passages.length >= data.total)
    );
    return bar;
  }

  // Find a page by any spelling: /api/entities?name=...
  function lookup(state) {
    const input = el("input", { type: "search", id: "entity-find", autocomplete: "off", placeholder: "Lukashenka, Лукашенко, WTO…" });
    const out = el("ul", { className: "entity-found", "aria-live": "polite" });
    const form = el("form", { className: "entity-lookup", role: "search" }, [
      el("label", { for: "entity-find", text: "Another person, organisation or place: " }),
      input,
      el("button", { type: "submit", text: "Find" }),
      out,
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear(out);
      if (!input.value.trim()) return;
      try {
        const found = await getJson(`/api/entities?${new URLSearchParams({ name: input.value.trim() })}`);
        if (!found.entities.length) out.append(el("li", { text: `No person, organisation or place is named “${input.value.trim()}”.` }));
        for (const f of found.entities) {
          out.append(el("li", null, [entityLink(f.name, state, f.key), ` (${KINDS[f.kind] || f.kind}, ${counted(f.passages, "passage")})`]));
        }
      } catch (err) {
        out.append(el("li", { className: "error", text: err.message }));
      }
    });
    return form;
  }

  cs.addView({
    matches: (state) => Boolean(state.entity),
    show,
    hide() {
      view.hidden = true;
      clear(view);
    },
  });

  // Beside each person, organisation and place among the facets: a link to its page.
  cs.addFacetExtra((field, value, state) =>
    KINDS[field]
      ? entityLink("page", state, `${field}:${value}`, {
          className: "entity-link facet-page",
          "aria-label": `Page of ${value}`,
          title: `Every passage that mentions ${value}`,
        })
      : null
  );
})();
