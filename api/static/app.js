// citesearch web page. Everything that comes from a document is put in the page as text
// (textContent / text nodes), never as HTML; only http(s) URLs become links.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("search-form");
  const input = $("q");
  const modeSelect = $("mode");
  const sortSelect = $("sort");
  const kSelect = $("k");
  const statusLine = $("status");
  const answerBox = $("answer");
  const resultsBox = $("results");
  const suggestionLine = $("suggestion");
  const pager = $("pager");
  const docView = $("doc-view");
  const docList = $("doc-list");
  const docFilterSummary = $("doc-filter-summary");
  const filterChips = $("active-filters");
  const facetPanel = $("facets");
  // On a phone the facets start folded (one line), so the answer and the passages come first.
  if (window.matchMedia("(max-width: 40rem)").matches) facetPanel.open = false;
  const facetGroups = $("facet-groups");

  const MODES = ["hybrid", "bm25", "dense"];
  let documents = []; // from /api/documents
  let inflight = null; // AbortController of the request being answered
  let lastResultsUrl = null; // the search the document view came from

  // ---- small DOM helpers -------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "text") node.textContent = String(value);
        else if (key === "className") node.className = value;
        else if (key === "onclick") node.addEventListener("click", value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setStatus(text, kind) {
    statusLine.textContent = text || "";
    statusLine.className = "status" + (kind ? " " + kind : "");
  }

  function pagesLabel(start, end) {
    return start === end ? `p. ${start}` : `pp. ${start}–${end}`;
  }

  function safeHttpUrl(raw) {
    // Only absolute http(s) URLs are links; anything else (javascript:, data:, relative) is text.
    if (typeof raw !== "string" || !/^https?:\/\//i.test(raw.trim())) return null;
    try {
      const url = new URL(raw.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function docInfo(docId, title) {
    const doc = documents.find((d) => d.id === docId);
    return {
      title: doc ? doc.title : title,
      authors: doc && doc.authors ? doc.authors : [],
      published: doc ? doc.published : null,
    };
  }

  function titleOf(docId) {
    const doc = documents.find((d) => d.id === docId);
    return doc ? doc.title : docId;
  }

  // ---- URL state ---------------------------------------------------------------------------

  function readState() {
    const p = new URLSearchParams(location.search);
    const int = (name, fallback) => {
      const v = parseInt(p.get(name) || "", 10);
      return Number.isFinite(v) ? v : fallback;
    };
    return {
      q: p.get("q") || "",
      mode: MODES.includes(p.get("mode")) ? p.get("mode") : "hybrid",
      sort: p.get("sort") === "date" ? "date" : "relevance",
      k: Math.min(100, Math.max(1, int("k", 10))),
      offset: Math.max(0, int("offset", 0)),
      docs: p.getAll("doc"),
      view: p.get("view"),
      entity: p.get("entity"), // an entity's page (entity.js)
      cs: p.has("cs") ? int("cs", null) : null,
      ce: p.has("ce") ? int("ce", null) : null,
      page: p.has("page") ? int("page", null) : null,
      hs: p.has("hs") ? int("hs", null) : null,
      he: p.has("he") ? int("he", null) : null,
    };
  }

  function stateUrl(state) {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    if (state.mode && state.mode !== "hybrid") p.set("mode", state.mode);
    if (state.sort === "date") p.set("sort", "date");
    if (state.k && state.k !== 10) p.set("k", String(state.k));
    if (state.offset) p.set("offset", String(state.offset));
    for (const d of state.docs || []) p.append("doc", d);
    if (state.entity) p.set("entity", state.entity);
    if (state.view) {
      p.set("view", state.view);
      if (state.cs !== null && state.cs !== undefined) p.set("cs", String(state.cs));
      if (state.ce !== null && state.ce !== undefined) p.set("ce", String(state.ce));
      if (state.page !== null && state.page !== undefined) p.set("page", String(state.page));
      // The sentence the reader came for, as offsets in the passage's text.
      for (const key of ["hs", "he"]) {
        if (Number.isInteger(state[key]) && Number.isInteger(state.cs)) p.set(key, String(state[key]));
      }
    }
    const qs = p.toString();
    return location.pathname + (qs ? "?" + qs : "");
  }

  function hidePager() {
    pager.hidden = true;
    $("prev").disabled = true;
    $("next").disabled = true;
  }

  // The results' scroll position is kept in their history entry, so that coming back from the
  // document view (its Back button or the browser's) lands where the reader was.
  function rememberScroll() {
    if (docView.hidden) history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, "");
  }

  function navigate(state) {
    rememberScroll();
    const url = stateUrl(state);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
    route();
  }

  function formState() {
    return {
      q: input.value.trim(),
      mode: modeSelect.value,
      sort: sortSelect.value === "date" ? "date" : "relevance",
      k: parseInt(kSelect.value, 10) || 10,
      offset: 0,
      docs: selectedDocs(),
    };
  }

  // ---- the question's length: refused on the page with the limit named, never cut ------------

  const MAX_QUERY_CHARS = parseInt(input.dataset.maxChars, 10) || 500;
  const limitNote = $("q-limit");

  // Counted as the server counts: runs of spaces as one, characters rather than UTF-16 units.
  function overLimit(q) {
    const n = [...q.split(/\s+/).filter(Boolean).join(" ")].length;
    if (n <= MAX_QUERY_CHARS) return "";
    return `Questions are limited to ${MAX_QUERY_CHARS} characters; this one has ${n}. Shorten it to search.`;
  }

  function checkLength() {
    const message = overLimit(input.value);
    limitNote.textContent = message;
    limitNote.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return message;
  }

  function fillForm(state) {
    input.value = state.q;
    checkLength();
    modeSelect.value = state.mode;
    sortSelect.value = state.sort || "relevance";
    const kText = String(state.k);
    if (![...kSelect.options].some((o) => o.value === kText)) {
      kSelect.append(el("option", { value: kText, text: kText }));
    }
    kSelect.value = kText;
    for (const box of docList.querySelectorAll("input[type=checkbox]")) {
      box.checked = state.docs.includes(box.value);
    }
    updateFilterSummary();
  }

  // ---- API ---------------------------------------------------------------------------------

  // `token`: sent as the bearer token (job listings name files and errors only to its holder).
  async function getJson(url, signal, token) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(url, { signal, headers });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new Error("Could not reach the citesearch server. Check that it is running, then try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
      throw new Error(detail || `The server answered ${response.status}.`);
    }
    return body;
  }

  function startRequest() {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    return inflight.signal;
  }

  // ---- annotated text: highlight + footnote markers ----------------------------------------

  // Renders `text` with the range [hl[0], hl[1]) in <mark> (class `markClass`, "hl" by default),
  // the range `inner` in a <mark class="sentence"> (inside the first when they overlap), and a
  // superscript button for each marker {offset, n, ...} right after the character before it.
  // `words`: [start, end) spans of the searched words, each in a <mark class="word"> innermost.
  function annotated(text, hl, markers, onMarker, markClass, inner, words) {
    const frag = document.createDocumentFragment();
    const sorted = (markers || [])
      .filter((m) => Number.isInteger(m.offset))
      .map((m) => ({ ...m, offset: Math.min(Math.max(0, m.offset), text.length) }))
      .sort((a, b) => a.offset - b.offset);
    const cuts = new Set([0, text.length]);
    const within = (range) =>
      range ? [Math.max(0, Math.min(range[0], text.length)), Math.max(0, Math.min(range[1], text.length))] : null;
    hl = within(hl);
    inner = within(inner);
    const wordRanges = (words || []).map(within).filter((r) => r[0] < r[1]);
    for (const range of [hl, inner, ...wordRanges]) {
      if (range) range.forEach((cut) => cuts.add(cut));
    }
    const covers = (range, a, b) => range && range[0] < range[1] && a >= range[0] && b <= range[1];
    for (const m of sorted) cuts.add(m.offset);
    const points = [...cuts].sort((a, b) => a - b);
    let mark = null;
    let sentence = null;
    let word = null;
    let wordRange = null;
    let mi = 0;
    const addMarkers = (pos, parent) => {
      while (mi < sorted.length && sorted[mi].offset === pos) {
        parent.append(markerButton(sorted[mi], onMarker));
        mi += 1;
      }
    };
    addMarkers(0, frag);
    for (let i = 0; i + 1 < points.length; i += 1) {
      const a = points[i];
      const b = points[i + 1];
      let parent = frag;
      if (covers(hl, a, b)) {
        if (!mark) {
          mark = el("mark", { className: markClass || "hl" });
          frag.append(mark);
        }
        parent = mark;
      } else {
        mark = null;
      }
      if (covers(inner, a, b)) {
        if (!sentence || sentence.parentNode !== parent) {
          sentence = el("mark", { className: "sentence" });
          parent.append(sentence);
        }
        parent = sentence;
      } else {
        sentence = null;
      }
      const range = wordRanges.find((r) => covers(r, a, b)) || null;
      if (range) {
        if (!word || range !== wordRange || word.parentNode !== parent) {
          word = el("mark", { className: "word" });
          wordRange = range;
          parent.append(word);
        }
        word.append(document.createTextNode(text.slice(a, b)));
      } else {
        word = null;
        parent.append(document.createTextNode(text.slice(a, b)));
      }
      // A note's marker follows the word it comes after, outside the word's mark.
      if (mi < sorted.length && sorted[mi].offset === b) word = null;
      addMarkers(b, parent);
    }
    while (mi < sorted.length) {
      frag.append(markerButton(sorted[mi], onMarker));
      mi += 1;
    }
    return frag;
  }

  // A note's mark as the document prints it: its label ("*", "a") when it has one, else n.
  function shownMark(c) {
    return c.label ? String(c.label) : String(c.n);
  }

  // The opening words of a marker's note: its tooltip, and shown under it on keyboard focus.
  function notePreview(marker) {
    const text = marker.note === null || marker.note === undefined ? NOTE_LOST : String(marker.note);
    const flat = text.replace(/\s+/g, " ").trim();
    const cut = flat.length > 110 ? flat.slice(0, 110).replace(/\s+\S*$/, "") + "…" : flat;
    return `Note ${shownMark(marker)}: ${cut}`;
  }

  function markerButton(marker, onMarker) {
    const preview = notePreview(marker);
    const button = el("button", {
      type: "button",
      className: "fn-btn",
      "aria-expanded": "false",
      "aria-label": `Footnote ${shownMark(marker)}`,
      title: preview,
      "data-preview": preview,
      "data-n": marker.n,
      text: shownMark(marker),
    });
    button.addEventListener("click", (event) => {
      event.preventDefault();
      onMarker(marker, button);
    });
    return el("sup", { className: "fn" }, [button]);
  }

  function noteContent(n, note, urls) {
    const body = el("div", { className: "note" });
    const head = el("span", { className: "note-n", text: `Note ${n}. ` });
    const text =
      note === null || note === undefined
        ? el("em", { className: "muted", text: "Note not available in the source." })
        : el("span", { className: "note-text", text: note });
    body.append(el("p", null, [head, text]));
    const links = (urls || []).map((u) => {
      const href = safeHttpUrl(u);
      const item = href
        ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: u })
        : el("span", { className: "not-a-link", text: u });
      return el("li", null, [item]);
    });
    if (links.length) body.append(el("ul", { className: "note-links" }, links));
    return body;
  }

  // One note is open at a time, in a card right under its marker's line (its box, .hit,
  // .answer or .page, is the card's containing block). A second click on the marker, Escape
  // (focus back on the marker), or a click elsewhere closes it.
  let openNote = null; // { panel, button }

  function closeNote(refocus) {
    if (!openNote) return;
    const { panel, button } = openNote;
    openNote = null;
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }

  function placeNote(panel, button) {
    const host = panel.offsetParent || panel.parentElement;
    const box = host.getBoundingClientRect();
    const at = button.getBoundingClientRect();
    const width = Math.min(host.clientWidth - 16, 448);
    const left = Math.min(Math.max(8, at.left - box.left - 24), host.clientWidth - width - 8);
    panel.style.width = `${width}px`;
    panel.style.left = `${Math.max(8, left)}px`;
    panel.style.top = `${at.bottom - box.top + 4}px`;
  }

  function notePanel() {
    const panel = el("div", { className: "note-panel", hidden: true, role: "note", "aria-live": "polite" });
    function show(marker, button) {
      const again = openNote && openNote.button === button;
      closeNote(false);
      if (again) return;
      clear(panel);
      panel.append(noteContent(shownMark(marker), marker.note, marker.urls));
      panel.hidden = false;
      placeNote(panel, button);
      button.setAttribute("aria-expanded", "true");
      openNote = { panel, button };
    }
    return { panel, show };
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && openNote) {
      event.preventDefault();
      closeNote(true);
    }
  });
  document.addEventListener("click", (event) => {
    if (!openNote || openNote.panel.contains(event.target) || openNote.button.contains(event.target)) return;
    closeNote(false);
  });
  window.addEventListener("resize", () => openNote && placeNote(openNote.panel, openNote.button));

  // ---- citations and exports (the same shapes as api/export.py) ----------------------------

  const NOTE_LOST = "Note not available in the source.";
  let lastData = null; // the search JSON on screen, for exports

  function hitPages(hit) {
    return pagesLabel(hit.page_label_start || hit.page_start, hit.page_label_end || hit.page_end)
      .replace("–", "-");
  }

  // A quoted sentence carries its own notes (the highlight's, the answer's), never all of its
  // passage's; a passage quoted whole (no highlight) carries all of them.
  function quotedHit(hit) {
    const doc = docInfo(hit.doc_id, hit.title);
    const h = hit.highlight;
    if (!h) return { sentence: hit.text.trim(), doc, pages: hitPages(hit), citations: hit.citations || [], attribution: null };
    return { sentence: h.text.trim(), doc, pages: hitPages(hit), citations: h.citations || [], attribution: h.attribution || null };
  }

  function quotedAnswer(answer) {
    return {
      sentence: answer.text.trim(),
      doc: docInfo(answer.doc_id, answer.title),
      pages: `p. ${answer.page_label || answer.page}`,
      citations: answer.citations || [],
      attribution: answer.attribution || null,
    };
  }

  // "source: note 48, end of paragraph" when the notes come from a later marker; "" when they
  // are the sentence's own markers or there are none (api/export.py attribution_line).
  function attributionLine(citations, attribution) {
    if (!citations.length || !attribution || attribution === "in the sentence") return "";
    const marks = citations.map(shownMark).join(", ");
    return `source: ${citations.length === 1 ? "note" : "notes"} ${marks}, ${attribution}`;
  }

  function credit(q) {
    const line = attributionLine(q.citations, q.attribution);
    return line ? line[0].toUpperCase() + line.slice(1) : "";
  }

  function notesCell(citations) {
    return citations.map((c) => `[${shownMark(c)}] ${c.note === null || c.note === undefined ? NOTE_LOST : c.note}`).join(" | ");
  }

  function sourceLine(doc, title, pages) {
    return [title, (doc.authors || []).join(", "), doc.published || "", pages].filter(Boolean).join(", ");
  }

  function citationText(q) {
    const lines = [`“${q.sentence}”`, `— ${sourceLine(q.doc, q.doc.title, q.pages)}`];
    if (credit(q)) lines.push(credit(q));
    for (const c of q.citations) {
      lines.push([`[${shownMark(c)}]`, c.note === null || c.note === undefined ? NOTE_LOST : c.note, ...(c.urls || [])].join(" "));
    }
    return lines.join("\n");
  }

  function citationMarkdown(q) {
    const lines = [`> ${q.sentence}`, "", `— ${sourceLine(q.doc, `*${q.doc.title}*`, q.pages)}`];
    if (q.citations.length) {
      lines.push("");
      if (credit(q)) lines.push(`*${credit(q)}.*`, "");
      for (const c of q.citations) {
        const note = c.note === null || c.note === undefined ? `*${NOTE_LOST}*` : c.note;
        lines.push([`- [${shownMark(c)}]`, note, ...(c.urls || []).map((u) => `<${u}>`)].join(" "));
      }
    }
    return lines.join("\n");
  }

  async function copyText(text, button) {
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (_) {
      button.textContent = "Copy failed";
    }
    setTimeout(() => (button.textContent = label), 1500);
  }

  function copyButtons(quoted) {
    const plain = el("button", { type: "button", className: "copy-btn copy-text", text: "Copy citation" });
    plain.addEventListener("click", () => copyText(citationText(quoted()), plain));
    const md = el("button", { type: "button", className: "copy-btn copy-md", text: "Copy as Markdown" });
    md.addEventListener("click", () => copyText(citationMarkdown(quoted()), md));
    return el("span", { className: "copy" }, [plain, md]);
  }

  // page_start/page_end: the printed labels; page_index_*: the pages' places in the file.
  const CSV_COLUMNS = [
    "rank", "title", "authors", "published", "pages", "page_start", "page_end",
    "page_index_start", "page_index_end", "doc_id", "chunk_id", "score", "quote", "text",
    "footnotes", "urls", "source", "passage_footnotes", "tags", "starred", "note",
  ];

  // The reader's tags (the passage's, then its document's), star and note, as api/export.py
  // annotation_cells writes them.
  function annotationCells(hit) {
    const a = hit.annotations;
    if (!a) return ["", "", ""];
    const tags = [...new Set([...(a.tags || []), ...(a.document_tags || [])])];
    return [tags.join("; "), a.starred ? "yes" : "", a.note || ""];
  }

  function annotationMarkdown(hit) {
    const [tags, starred, note] = annotationCells(hit);
    const lines = [];
    if (tags) lines.push("", `**Tags:** ${tags}`);
    if (starred) lines.push("", "**Starred**");
    if (note) lines.push("", `**Note:** ${note}`);
    return lines;
  }

  function csvCell(value) {
    const text = String(value === null || value === undefined ? "" : value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function resultsCsv(data) {
    return csvText([CSV_COLUMNS, ...hitRows(data)]);
  }

  function csvText(rows) {
    return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  function hitRows(data) {
    const rows = [];
    for (const hit of data.results) {
      const doc = docInfo(hit.doc_id, hit.title);
      const q = quotedHit(hit);
      rows.push([
        hit.rank, hit.title, doc.authors.join("; "), doc.published || "", hitPages(hit),
        hit.page_label_start || hit.page_start, hit.page_label_end || hit.page_end,
        hit.page_start, hit.page_end, hit.doc_id, hit.chunk_id, Number(hit.score.toPrecision(6)),
        hit.highlight ? hit.highlight.text : "", hit.text,
        notesCell(q.citations),
        q.citations.flatMap((c) => c.urls || []).join(" "),
        attributionLine(q.citations, q.attribution),
        notesCell(hit.citations || []),
        ...annotationCells(hit),
      ]);
    }
    return rows;
  }

  // Said with every list of possible answers, in the page and in the exports (api/export.py).
  const CHECK_CANDIDATES =
    "No single sentence is sure to answer: check them against their sources before quoting one.";

  function resultsMarkdown(data) {
    const parts = [`# ${data.query}`, ""];
    const answer = data.answer;
    if (answer && answer.state === "candidates" && (answer.candidates || []).length) {
      // As api/export.py results_markdown writes them: the sentences to check, each with its source.
      parts.push("## Possible answers", "", CHECK_CANDIDATES, "");
      answer.candidates.forEach((c, i) => {
        parts.push(`### ${i + 1}.`, "", citationMarkdown(quotedAnswer(c)), "");
      });
    } else if (answer) {
      parts.push("## Answer", "", citationMarkdown(quotedAnswer(answer)), "");
    }
    for (const hit of data.results) {
      parts.push(`## ${hit.rank}. ${hit.title}, ${hitPages(hit)}`, "", citationMarkdown(quotedHit(hit)));
      parts.push(...annotationMarkdown(hit), "");
    }
    return parts.join("\n");
  }

  function download(text, type, extension) {
    const name = (lastData.query.replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "") || "results")
      .slice(0, 60);
    saveBlob(new Blob([text], { type }), `citesearch-${name}.${extension}`);
  }

  function saveBlob(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function exportBar() {
    const button = (text, id, make) => {
      const b = el("button", { type: "button", className: "export-btn", id, text });
      b.addEventListener("click", () => lastData && make());
      return b;
    };
    return el("div", { className: "export", id: "export" }, [
      el("span", { className: "muted", text: "Export this page: " }),
      button("CSV", "export-csv", () => download(resultsCsv(lastData), "text/csv;charset=utf-8", "csv")),
      button("Markdown", "export-md", () => download(resultsMarkdown(lastData), "text/markdown;charset=utf-8", "md")),
      button("JSON", "export-json", () =>
        download(JSON.stringify(lastData, null, 2) + "\n", "application/json", "json")
      ),
    ]);
  }

  // ---- search results ----------------------------------------------------------------------

  async function runSearch(state) {
    docView.hidden = true;
    clear(docView);
    const tooLong = overLimit(state.q);
    if (tooLong) {
      if (inflight) inflight.abort();
      suggestionLine.hidden = true;
      answerBox.hidden = true;
      clear(resultsBox);
      hidePager();
      hideFacets();
      setStatus(tooLong, "error");
      return;
    }
    const signal = startRequest();
    setStatus("Searching…", "loading");
    resultsBox.setAttribute("aria-busy", "true");
    const p = new URLSearchParams({ q: state.q, k: state.k, offset: state.offset, mode: state.mode });
    if (state.sort === "date") p.set("sort", "date");
    for (const d of state.docs) p.append("doc", d);
    let data;
    try {
      data = await getJson("/api/search?" + p.toString(), signal);
    } catch (err) {
      if (err.name === "AbortError") return;
      suggestionLine.hidden = true;
      resultsBox.removeAttribute("aria-busy");
      answerBox.hidden = true;
      clear(resultsBox);
      hidePager();
      hideFacets();
      renderFilterChips(state); // a filter that matches nothing can still be taken out
      setStatus(err.message, "error");
      return;
    }
    resultsBox.removeAttribute("aria-busy");
    lastResultsUrl = location.pathname + location.search;
    renderResults(data, state);
    document.dispatchEvent(new CustomEvent("citesearch:searched", { detail: { state, data } }));
    const y = history.state && history.state.scrollY;
    if (typeof y === "number") window.scrollTo(0, y);
  }

  // "Did you mean": the query searched instead of the one typed, or a suggestion to click.
  function renderSuggestion(data, state) {
    clear(suggestionLine);
    const fixed = data.searched_for || data.suggestion;
    suggestionLine.hidden = !fixed;
    if (!fixed) return;
    const link = el("a", { href: stateUrl({ ...state, q: fixed, offset: 0 }), text: fixed });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      navigate({ ...state, q: fixed, offset: 0 });
    });
    suggestionLine.append(
      data.searched_for ? "Showing results for " : "Did you mean ",
      link,
      data.searched_for ? ": no document has some of the words typed." : "?"
    );
  }

  function renderResults(data, state) {
    clear(answerBox);
    clear(resultsBox);
    renderSuggestion(data, state);
    renderFilterChips(state);
    renderFacets(data, state);
    const hits = data.results || [];
    if (!hits.length) {
      answerBox.hidden = true;
      hidePager();
      // A cites: value no note cites: say so, rather than "try other words".
      const uncited = (data.missing || []).filter((m) => m.startsWith("cites:"));
      setStatus(
        data.total && state.offset
          ? "No more passages: go back to the previous page."
          : uncited.length
            ? uncited.map(missingLine).join(" ")
            : `No passage matches “${data.query}”. Try other words, fewer documents, or “Similar meaning”.`,
        "empty"
      );
      return;
    }
    const first = data.offset + 1;
    const last = data.offset + hits.length;
    const ms = `${Math.round(data.took_ms)} ms`;
    setStatus(
      data.mode === "bm25"
        ? `Passages ${first}–${last} of ${data.total} · ${ms}`
        : `${matchLine(data)}. Showing ${first}–${last} of ${data.total} ranked · ${ms}`
    );
    lastData = data;
    renderAnswer(data.answer, hits, state, data.missing || []);
    resultsBox.append(exportBar(), ...hits.map((hit) => renderHit(hit, state)));
    renderPager(data, state);
  }

  // A word no document holds, or a cites: value (as typed) no note cites.
  function missingLine(word) {
    return word.startsWith("cites:")
      ? `No note cites ${word.slice(6)}: no passage is shown.`
      : `Missing: ${word}: no document mentions it.`;
  }

  const CONFIDENCE_MEANS = {
    "strong match": "Strong match: this sentence says what was asked; quote it with its page and notes.",
    "partial match": "Partial match: this sentence answers part of the question; read its passage before quoting it.",
  };

  // The answer box in its three states: not found (null), one sentence ("strong"), or the
  // sentences to check ("candidates": answer.text is the first of them, shown once, in the list).
  function renderAnswer(answer, hits, state, missing) {
    if (!answer && !hits.length) {
      answerBox.hidden = true;
      return;
    }
    const heading = (text, extra) => el("h2", { className: "label", id: "answer-label" }, [text, ...(extra || [])]);
    answerBox.setAttribute("aria-labelledby", "answer-label");
    if (!answer) {
      // An honest "not found": the words no document holds are named; the closest passages
      // are still listed below.
      answerBox.append(
        heading("Not found in these documents"),
        ...missing.map((word) => el("p", { className: "missing", text: missingLine(word) })),
        el("p", { className: "muted", text: "No sentence answers this well; the closest passages are below." })
      );
    } else if (answer.state === "candidates" && (answer.candidates || []).length) {
      renderCandidates(answer.candidates, hits, state, heading("Possible answers"));
    } else {
      const { panel, show } = notePanel();
      const confidence = el("span", {
        className: `confidence ${answer.confidence === "strong match" ? "strong" : "partial"}`,
        text: answer.confidence,
        title: CONFIDENCE_MEANS[answer.confidence] || null,
      });
      answerBox.append(heading("Answer ", [confidence]), ...quotedSentence(answer, "Answer", hits, state, show), panel);
    }
    answerBox.hidden = false;
  }

  function renderCandidates(candidates, hits, state, heading) {
    const { panel, show } = notePanel();
    const items = candidates.map((c, i) =>
      el("li", { className: "candidate" }, quotedSentence(c, "This sentence", hits, state, show, `possible answer ${i + 1}`))
    );
    answerBox.append(
      heading,
      el("p", {
        className: "candidates-note",
        text: items.length > 1
          ? CHECK_CANDIDATES
          : "This sentence is not sure to answer: check it against its source before quoting it.",
      }),
      el("ol", { className: "candidates", "aria-labelledby": "answer-label" }, items),
      panel
    );
  }

  // A quoted sentence (the answer or a candidate): the sentence with its note markers, its
  // document and printed page, the notes that source it, a link to it in the document and
  // copy citation. `which` names it for screen readers when several are listed.
  function quotedSentence(s, who, hits, state, show, which) {
    // The viewer marks [start, end) inside the passage's source range, which the quoted sentence
    // carries (char_start/char_end; -1 from an older server: then the hit shown for the passage).
    const hit = hits.find((h) => h.chunk_id === s.chunk_id);
    const range = s.char_start >= 0 ? [s.char_start, s.char_end]
      : hit ? [hit.char_start, hit.char_end] : null;
    const link = (text, className, label) =>
      docLink(
        text, state, s.doc_id, range ? range[0] : null, range ? range[1] : null, s.page,
        className, range ? [s.start, s.end] : null, label
      );
    const open = link("Open in document", "open-doc", which ? `Open in document: ${which}` : null);
    return [
      el("blockquote", { className: "answer-text" }, [annotated(s.text, null, s.citations, show)]),
      el("p", { className: "answer-source" }, ["— ", link(s.title), `, p. ${s.page_label || s.page}`]),
      sentenceNotes(quotedAnswer(s), who, hit ? hit.citations || [] : []),
      el("div", { className: "answer-actions" }, [open, copyButtons(() => quotedAnswer(s))]),
    ];
  }

  // Which notes a quoted sentence is cited with (what copy citation copies), and how they were
  // found when not from its own markers: "Answer cites [48] (source: note 48, end of
  // paragraph)". Said also when it has none while its passage has some: those are not its.
  function sentenceNotes(q, who, passageNotes) {
    if (!q.citations.length && !passageNotes.length) return null;
    const marks = q.citations.map((c) => `[${shownMark(c)}]`).join(" ");
    const line = attributionLine(q.citations, q.attribution);
    const text = q.citations.length
      ? `${who} cites ${marks}` + (line ? ` (${line})` : "")
      : `${who}: none of the passage's notes marks it.`;
    return el("p", { className: "sentence-notes muted", "data-notes": q.citations.map(shownMark).join(" "), text });
  }

  function renderHit(hit, state) {
    const { panel, show } = notePanel();
    const hl = hit.highlight ? [hit.highlight.start, hit.highlight.end] : null;
    const link = (text, className) =>
      docLink(text, state, hit.doc_id, hit.char_start, hit.char_end, hit.page_start, className, hl);
    // How each retriever ranked the passage ("bm25 #2 · dense #7"): a tooltip on the rank.
    const scoreBits = [];
    for (const [name, s] of Object.entries(hit.scores || {})) {
      if (s && s.rank) scoreBits.push(`${name} #${s.rank}`);
    }
    const ranking = scoreBits.length ? `Ranked ${hit.rank}: ${scoreBits.join(" · ")}` : null;
    const header = el("header", { className: "hit-head" }, [
      el("span", { className: "rank", text: String(hit.rank), title: ranking, "data-ranks": scoreBits.join(" · ") }),
      el("h3", { className: "hit-title" }, [link(hit.title)]),
      el("span", { className: "pages", text: pagesLabel(hit.page_label_start || hit.page_start, hit.page_label_end || hit.page_end) }),
    ]);
    const passage = el("p", { className: "passage" }, [
      annotated(hit.text, hl, hit.citations, show, null, null, hit.word_spans),
    ]);
    const parts = [header];
    // Hybrid and meaning modes rank every passage: one without the searched words says so.
    if (hit.matched !== "words") {
      const why =
        hit.matched === "meaning"
          ? "Similar in meaning: none of the searched words is in this passage."
          : "None of the searched words is in this passage; ranked by meaning only.";
      parts.push(el("p", { className: "no-words", text: why }));
    }
    if (hit.meaning_pending) {
      const why = "Just added: found by its words; search by meaning finds it once its indexing ends.";
      parts.push(el("p", { className: "no-words meaning-pending", text: why }));
    }
    if (hit.attachment_of) parts.push(mailLinks(hit.attachment_of, [], state));
    parts.push(passage);
    // Found through a note (words only its notes hold, or a cites: value): the note says why.
    const found = hit.matched_note;
    if (found) {
      parts.push(
        el("p", { className: "matched-note" }, [
          el("span", { className: "matched-label", text: `Cited in note ${found.label || found.n}: ` }),
          el("span", { className: "note-text", text: found.note || "note not available in the source" }),
        ])
      );
    }
    parts.push(panel);
    if (hit.also_in && hit.also_in.length) {
      const items = hit.also_in.map((src) =>
        el("li", null, [
          docLink(
            `${src.title}, ${pagesLabel(src.page_label_start || src.page_start, src.page_label_end || src.page_end)}`,
            state,
            src.doc_id,
            src.char_start,
            src.char_end,
            src.page_start
          ),
        ])
      );
      parts.push(
        el("div", { className: "also-in" }, [
          el("span", { className: "muted", text: "Also in: " }),
          el("ul", null, items),
        ])
      );
    }
    if (hit.highlight) parts.push(sentenceNotes(quotedHit(hit), "Highlighted sentence", hit.citations || []));
    parts.push(el("div", { className: "hit-copy" }, [copyButtons(() => quotedHit(hit))]));
    parts.push(
      el("footer", { className: "hit-foot" }, [
        link("Open in document", "open-doc"),
      ])
    );
    for (const extra of hitExtras) parts.push(extra(hit, state)); // annotations.js
    return el("article", { className: "hit", "data-chunk": hit.chunk_id }, parts);
  }

  // ---- facets and the filters they add -------------------------------------------------------

  const FACET_LABELS = {
    person: "People",
    org: "Organisations",
    place: "Places",
    document: "Documents",
    year: "Years",
    type: "File types",
    language: "Languages",
  };
  // The query language's filters (retrieval/query.py) as the page writes and reads them.
  const FILTER_CLAUSE = /(^|\s)(person|org|place|year|type|language|doc):("[^"]*"|[^\s"]+)/gi;

  function filterClause(field, value) {
    const name = field === "document" ? "doc" : field;
    const clean = value.replace(/"/g, " ").replace(/\s+/g, " ").trim();
    return ["person", "org", "place"].includes(name) ? `${name}:"${clean}"` : `${name}:${clean}`;
  }

  // The filters written in a query: [{clause, field, value}], as typed.
  function activeFilters(q) {
    const found = [];
    for (const m of q.matchAll(FILTER_CLAUSE)) {
      const field = m[2].toLowerCase();
      found.push({ clause: m[2] + ":" + m[3], field, value: m[3].replace(/^"|"$/g, "") });
    }
    return found;
  }

  function withoutClause(q, clause) {
    const at = q.indexOf(clause);
    const rest = at < 0 ? q : q.slice(0, at) + " " + q.slice(at + clause.length);
    return rest.replace(/\s+/g, " ").trim();
  }

  function sameFilter(a, field, value) {
    const name = field === "document" ? "doc" : field;
    return a.field === name && a.value.toLowerCase() === value.toLowerCase();
  }

  // A chip per filter in the query, each with a button that searches without it.
  function hideFacets() {
    facetPanel.hidden = true;
    filterChips.hidden = true;
  }

  function renderFilterChips(state) {
    clear(filterChips);
    const active = activeFilters(state.q);
    filterChips.hidden = !active.length;
    if (!active.length) return;
    filterChips.append(el("span", { className: "muted", text: "Filtered by: " }));
    for (const f of active) {
      const shown = `${f.field}: ${f.field === "doc" ? titleOf(f.value) : f.value}`;
      const remove = el("button", {
        type: "button",
        className: "chip-remove",
        "aria-label": `Remove filter ${shown}`,
        title: "Remove this filter",
        text: "×",
      });
      remove.addEventListener("click", () => {
        const q = withoutClause(state.q, f.clause);
        if (q) navigate({ ...state, q, offset: 0 });
      });
      filterChips.append(el("span", { className: "chip", "data-filter": f.clause }, [shown, remove]));
    }
  }

  // Counts per facet over the matching passages; a value is a filter to add (or, when already
  // in the query, to take out again).
  function renderFacets(data, state) {
    clear(facetGroups);
    const active = activeFilters(state.q);
    const facets = data.facets || {};
    let shown = 0;
    for (const [field, label] of Object.entries(FACET_LABELS)) {
      const values = facets[field] || [];
      if (!values.length) continue;
      shown += 1;
      const items = values.map((v) => {
        const on = active.find((a) => sameFilter(a, field, v.value));
        const name = field === "document" ? titleOf(v.value) : v.value;
        const button = el(
          "button",
          { type: "button", className: "facet-value", "aria-pressed": on ? "true" : "false", "data-field": field, "data-value": v.value },
          [el("span", { className: "facet-name", text: name }), el("span", { className: "facet-count", text: String(v.count) })]
        );
        button.addEventListener("click", () => {
          const q = on ? withoutClause(state.q, on.clause) : `${state.q} ${filterClause(field, v.value)}`;
          if (q) navigate({ ...state, q, offset: 0 });
        });
        return el("li", null, [button, ...facetExtras.map((extra) => extra(field, v.value, state))]);
      });
      facetGroups.append(
        el("div", { className: "facet-group", "data-facet": field }, [
          el("h3", { className: "facet-label", text: label }),
          el("ul", { className: "facet-values" }, items),
        ])
      );
    }
    facetPanel.hidden = !shown;
  }

  // In hybrid and meaning modes every passage is ranked: say how many hold the words and how
  // many more are close in meaning (retrieval/matching.py).
  function matchLine(data) {
    const n = data.with_words || 0;
    const more = data.by_meaning || 0;
    const words = `${n} passage${n === 1 ? " contains" : "s contain"} the words`;
    if (data.mode === "bm25") return words;
    return more ? `${words}; ${more} more ${more === 1 ? "is" : "are"} similar in meaning` : `${words}; no other is close in meaning`;
  }

  function renderPager(data, state) {
    const hasPrev = state.offset > 0;
    const hasNext = data.offset + data.results.length < data.total;
    pager.hidden = !hasPrev && !hasNext;
    $("prev").disabled = !hasPrev;
    $("next").disabled = !hasNext;
    const pageNo = Math.floor(state.offset / state.k) + 1;
    const pages = Math.max(1, Math.ceil(data.total / state.k));
    $("page-info").textContent = `Page ${pageNo} of ${pages}`;
  }

  // ---- document view -----------------------------------------------------------------------

  // A real link to the document view (it can be copied or opened in a new tab); a plain click
  // stays on the page.
  // `sentence`: [start, end) of the sentence to highlight in the passage's text, if any.
  // `label`: the link's name for screen readers, when its text alone is said more than once.
  function docLink(text, state, docId, cs, ce, page, className, sentence, label) {
    const [hs, he] = sentence || [null, null];
    const target = { ...state, view: docId, cs, ce, page, hs, he };
    const link = el("a", { className: className || "doc-link", href: stateUrl(target), text, "aria-label": label });
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      navigate(target);
    });
    return link;
  }

  // An e-mail's links: "Attachment of <message>" and "Attachments: <a> · <b>", each opening
  // that document.
  function mailLinks(message, attachments, state) {
    const open = (link) => docLink(link.title, state, link.doc_id, null, null, null);
    const parts = [];
    if (message) {
      parts.push(el("span", { className: "muted", text: "Attachment of " }), open(message));
    }
    if (attachments.length) {
      parts.push(
        el("span", { className: "muted", text: "Attachments: " }),
        el("ul", null, attachments.map((a) => el("li", null, [open(a)])))
      );
    }
    return el("p", { className: "mail-links" }, parts);
  }

  // The text range of a page covering the source range [cs, ce), through the page's runs.
  function sourceRangeToText(runs, cs, ce) {
    let a = null;
    let b = null;
    for (const [t, s, len] of runs) {
      const lo = Math.max(s, cs);
      const hi = Math.min(s + len, ce);
      if (lo < hi) {
        const ta = t + (lo - s);
        const tb = t + (hi - s);
        a = a === null ? ta : Math.min(a, ta);
        b = b === null ? tb : Math.max(b, tb);
      }
    }
    return a === null ? null : [a, b];
  }

  async function showDocument(state) {
    answerBox.hidden = true;
    clear(resultsBox);
    hidePager();
    hideFacets();
    clear(docView);
    docView.hidden = false;
    const signal = startRequest();
    setStatus("Opening the document…", "loading");
    const id = encodeURIComponent(state.view);
    let doc;
    let notes;
    try {
      [doc, notes] = await Promise.all([
        getJson(`/api/documents/${id}`, signal),
        getJson(`/api/documents/${id}/footnotes`, signal),
      ]);
    } catch (err) {
      if (err.name === "AbortError") return;
      setStatus(err.message, "error");
      docView.append(backButton(state));
      return;
    }
    setStatus("");
    document.title = `${doc.title} — citesearch`;
    renderDocument(doc, notes, state);
  }

  function backButton(state) {
    const label = state.q ? "← Back to results" : "← Back to search";
    return el("button", {
      type: "button",
      className: "back",
      text: label,
      onclick: () => {
        const resultsUrl = stateUrl({ ...state, view: null });
        if (lastResultsUrl === resultsUrl && history.length > 1) history.back();
        else navigate({ ...state, view: null });
      },
    });
  }

  function renderDocument(doc, notes, state) {
    const noteByN = new Map((notes.footnotes || []).map((f) => [f.n, f]));
    const metaBits = [];
    if (doc.authors && doc.authors.length) metaBits.push(doc.authors.join(", "));
    if (doc.published) metaBits.push(doc.published);
    if (doc.kind) metaBits.push(doc.kind);
    metaBits.push(`${doc.pages} page${doc.pages === 1 ? "" : "s"}`);
    metaBits.push(`${doc.footnotes} footnotes (${doc.notes_found} notes found)`);
    if (doc.meaning_pending) metaBits.push("indexing meaning…");
    const parts = [
      backButton(state),
      el("h2", { className: "doc-title", text: doc.title }),
      el("p", { className: "doc-meta muted", text: metaBits.join(" · ") }),
      el("p", { className: "doc-file" }, [
        originalControl(doc, "Download the original", (text) => setStatus(text, text ? "error" : "")),
      ]),
    ];
    if (doc.attachment_of || (doc.attachments && doc.attachments.length)) {
      parts.push(mailLinks(doc.attachment_of, doc.attachments || [], state));
    }
    if (doc.warnings && doc.warnings.length) {
      parts.push(
        el("ul", { className: "warnings" }, doc.warnings.map((w) => el("li", { text: w })))
      );
    }
    const printed = new Map(doc.page_texts.map((page) => [page.number, page.label || String(page.number)]));
    const passages = doc.page_texts.map((page) =>
      state.cs !== null && state.ce !== null ? sourceRangeToText(page.runs, state.cs, state.ce) : null
    );
    const sentences = sentenceOnPages(doc.page_texts, passages, state.hs, state.he);
    const pageSections = doc.page_texts.map((page, i) => {
      const { panel, show } = notePanel();
      const markers = page.markers.map((m) => {
        const f = noteByN.get(m.n);
        return { offset: m.offset, n: m.n, note: f ? f.note : null, urls: f ? f.urls : [] };
      });
      const text = el("div", { className: "page-text" }, [
        annotated(page.text, passages[i], markers, show, "passage", sentences[i]),
      ]);
      return el("section", { className: "page", id: `page-${page.number}` }, [
        pageHeading(page),
        text,
        panel,
      ]);
    });
    parts.push(el("div", { className: "doc-pages" }, pageSections));
    const noteItems = (notes.footnotes || []).map((f) => {
      const where = f.markers.length
        ? `marked on ${[...new Set(f.markers.map((m) => m.page))].map((p) => "p. " + (printed.get(p) || p)).join(", ")}`
        : "";
      const item = el("li", { id: `note-${f.n}`, value: f.n }, [noteContent(f.n, f.note, f.urls)]);
      if (where) item.append(el("p", { className: "muted note-where", text: where }));
      return item;
    });
    parts.push(
      el("section", { className: "doc-notes" }, [
        el("h3", { text: "Notes" }),
        noteItems.length
          ? el("ol", { className: "notes-list" }, noteItems)
          : el("p", { className: "muted", text: "This document has no footnotes." }),
      ])
    );
    docView.append(...parts);
    focusInDocument(state);
  }

  // A page is headed by the number printed on it; its place in the file, when other, is a tooltip.
  function pageHeading(page) {
    const label = page.label || String(page.number);
    const other = label !== String(page.number) ? `page ${page.number} of the file` : null;
    return el("h3", { className: "page-no", text: `Page ${label}`, title: other });
  }

  // The pages' share of the sentence [hs, he) of the passage (offsets in its text): the pages'
  // texts are the document's clean body in order, and the passage's text is a slice of it that
  // starts where its source range first shows on a page.
  function sentenceOnPages(pageTexts, passages, hs, he) {
    const none = pageTexts.map(() => null);
    if (!Number.isInteger(hs) || !Number.isInteger(he) || he <= hs) return none;
    let offset = 0;
    let start = null;
    const starts = pageTexts.map((page, i) => {
      if (start === null && passages[i]) start = offset + passages[i][0];
      offset += page.text.length;
      return offset - page.text.length;
    });
    if (start === null) return none;
    return pageTexts.map((page, i) => {
      const a = Math.max(start + hs, starts[i]) - starts[i];
      const b = Math.min(start + he, starts[i] + page.text.length) - starts[i];
      return a < b ? [a, b] : null;
    });
  }

  // Keyboard focus goes into the viewer: on the sentence the reader came for (else the passage,
  // else the document's title), which is also scrolled into view.
  function focusInDocument(state) {
    const mark = docView.querySelector("mark.sentence") || docView.querySelector("mark.passage");
    const page = state.page ? $(`page-${state.page}`) : null;
    const target = mark || docView.querySelector(".doc-title");
    target.tabIndex = -1;
    target.focus({ preventScroll: true });
    if (mark || page) (mark || page).scrollIntoView({ block: "center" });
    else window.scrollTo(0, 0);
  }

  // ---- document list: what each document is, its file, deleting an upload ------------------

  const docNote = $("doc-note");

  function counted(n, one, many) {
    return `${n} ${n === 1 ? one : many || one + "s"}`;
  }

  function languageName(tag) {
    try {
      return new Intl.DisplayNames(["en"], { type: "language" }).of(tag) || tag;
    } catch (_) {
      return tag;
    }
  }

  // What the list says of a document, in reading order; unknown facts are left out.
  function docFacts(d) {
    const facts = [];
    if (d.authors && d.authors.length) facts.push(d.authors.join(", "));
    if (d.published) facts.push(d.published);
    if (d.file_type) facts.push(d.file_type.toUpperCase());
    if (d.kind) facts.push(d.kind);
    if (d.language) facts.push(languageName(d.language));
    facts.push(counted(d.chunks, "passage"));
    facts.push(d.footnotes ? counted(d.footnotes, "note") : "no notes");
    if (d.attachment_of) facts.push(`attached to “${d.attachment_of.title}”`);
    return facts;
  }

  function docRow(d, ticked) {
    const box = el("input", { type: "checkbox", value: d.id, checked: ticked });
    box.addEventListener("change", onFilterChange);
    const row = el("div", { className: "doc-row", "data-doc-id": d.id }, [
      el("label", { className: "doc-choice" }, [box, el("span", { className: "doc-name", text: d.title })]),
      el("p", { className: "doc-facts" }, [
        d.uploaded ? el("span", { className: "badge", text: "Uploaded" }) : null,
        d.meaning_pending ? el("span", { className: "badge", text: "indexing meaning…" }) : null,
        docFacts(d).join(" · "),
      ]),
      el("div", { className: "doc-actions" }),
      ...docExtras.map((extra) => extra(d)), // annotations.js
    ]);
    showDocActions(d, row);
    return row;
  }

  // `doc:<id>` goes into the search box (the checkbox filters too; the id teaches the syntax);
  // the file; and, for an upload, Delete. Corpus files are managed on the server, so they have
  // no Delete, and an attachment goes with its message.
  function showDocActions(d, row) {
    const box = row.querySelector(".doc-actions");
    clear(box);
    box.append(
      el("button", {
        type: "button",
        className: "doc-id",
        text: `doc:${d.id}`,
        title: `Put doc:${d.id} in the search box: search this document only`,
        onclick: () => addDocTerm(d.id),
      }),
      originalControl(d, "Download", (text) => (docNote.textContent = text))
    );
    if (d.uploaded && !d.attachment_of) {
      box.append(
        el("button", {
          type: "button",
          className: "doc-delete",
          text: "Delete",
          "aria-label": `Delete “${d.title}”`,
          title: "Remove this uploaded document and its file from the server",
          onclick: () => confirmDelete(d, row),
        })
      );
    }
  }

  function addDocTerm(docId) {
    const term = `doc:${docId}`;
    const words = input.value.trim();
    if (!words.split(/\s+/).includes(term)) input.value = words ? `${words} ${term}` : term;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    checkLength();
  }

  // A corpus file is a plain link; an uploaded one is fetched with the token and saved.
  // `say`: where a refusal is told.
  function originalControl(d, text, say) {
    const href = `/api/documents/${encodeURIComponent(d.id)}/original`;
    const what = d.attachment_of ? "the e-mail this file came in" : "the original file";
    const attrs = {
      className: "doc-download",
      text: d.attachment_of ? `${text} the e-mail` : text,
      title: `Download ${what}`,
      "aria-label": `Download ${what} of “${d.title}”`,
    };
    if (!d.uploaded) return el("a", { ...attrs, href, download: "" });
    return el("button", { ...attrs, type: "button", onclick: () => fetchOriginal(d, href, say) });
  }

  async function fetchOriginal(d, href, say) {
    say("");
    const token = storedToken();
    const { response, detail } = await send(href, "GET", token, false);
    if (response && response.status === 401) {
      needToken(
        token
          ? `The upload token was not accepted. Type it again to download “${d.title}”.`
          : `“${d.title}” was uploaded: its file is given with the server's upload token. Type it below.`,
        () => fetchOriginal(d, href, say),
        Boolean(token)
      );
      return;
    }
    if (!response || !response.ok) {
      say(detail);
      return;
    }
    saveBlob(await response.blob(), fileNameOf(response) || d.id);
  }

  function fileNameOf(response) {
    const disposition = response.headers.get("Content-Disposition") || "";
    const encoded = /filename\*=utf-8''([^;]+)/i.exec(disposition);
    if (encoded) return decodeURIComponent(encoded[1]);
    const plain = /filename="([^"]+)"/.exec(disposition);
    return plain ? plain[1] : null;
  }

  // A request with the token when one is held: the response (null when the server could not be
  // reached), its JSON body when `json`, and what went wrong in plain words.
  async function send(url, method, token, json) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(url, { method, headers });
    } catch (_) {
      return { response: null, body: null, detail: "The server could not be reached: try again later." };
    }
    let body = null;
    if (json || !response.ok) {
      try {
        body = await response.json();
      } catch (_) {
        body = null;
      }
    }
    const detail = body && typeof body.detail === "string" ? body.detail : `The server answered ${response.status}.`;
    return { response, body, detail };
  }

  // The confirm step: the row asks, Cancel (focused, so Enter twice deletes nothing) puts the
  // buttons back.
  function confirmDelete(d, row) {
    const box = row.querySelector(".doc-actions");
    clear(box);
    const cancel = el("button", { type: "button", className: "doc-cancel", text: "Cancel", onclick: () => showDocActions(d, row) });
    box.append(
      el("span", { className: "doc-confirm", text: `Delete “${d.title}” and its file from the server?` }),
      el("button", {
        type: "button",
        className: "doc-delete-yes",
        text: "Delete",
        "aria-label": `Yes, delete “${d.title}”`,
        onclick: () => {
          clear(box);
          const job = jobRow(`delete:${d.id}:${Date.now()}`, d.title);
          box.append(el("ul", { className: "job-list doc-job" }, [job]));
          deleteDocument(d, job, () => {
            docNote.textContent = `Deleted “${d.title}” (${d.id}).`;
          });
        },
      }),
      cancel
    );
    cancel.focus();
  }

  // DELETE /api/documents/{id}, its job followed in the row `job` (a job row); `done` runs once
  // the document is gone. The token is asked for as for uploads.
  async function deleteDocument(d, job, done) {
    setRow(job, "Asking the server to delete it…", null, "deleting");
    const token = storedToken();
    const { response, body, detail } = await send(`/api/documents/${encodeURIComponent(d.id)}`, "DELETE", token, true);
    if (response && response.status === 401) {
      setRow(job, "Waiting for the upload token: not deleted yet", 0, "token");
      needToken(
        token
          ? `The upload token was not accepted. Type it again to delete “${d.title}”.`
          : `Deleting “${d.title}” needs the server's upload token. Type it below; it is deleted once given.`,
        () => deleteDocument(d, job, done),
        Boolean(token)
      );
      return;
    }
    if (!response || response.status !== 202 || !body || !body.id) {
      setRow(job, `Not deleted: ${detail}`, 0, "refused", true);
      return;
    }
    await followJob(body, job);
    if (job.dataset.stage !== "done") return;
    if (documents.some((x) => x.id === d.id)) await loadDocuments();
    done();
  }

  // The token prompt of "Add documents", for a download or a deletion: `retry` runs once a token
  // is given.
  function needToken(message, retry, refused) {
    if (refused) forgetStoredToken();
    afterToken.push(retry);
    uploadsBox.open = true;
    tokenNote.textContent = message;
    tokenRow.hidden = false;
    tokenInput.focus();
  }

  // A file whose id an earlier upload holds: say so, and offer to replace that document (deleted
  // first, after a confirm step, then this file is sent again in the same row).
  function offerReplace(row, file, docId) {
    const old = documents.find((x) => x.id === docId);
    const name = old ? `“${old.title}”` : docId;
    setRow(
      row,
      `Not added: ${name} (${docId}) is already indexed from an earlier upload. ` +
        "Replace it to index this file instead, or rename the file to keep both.",
      0,
      "exists",
      true
    );
    rowActions(row, [
      {
        text: "Replace it",
        run: () => {
          row.querySelector(".job-state").textContent = `Delete ${name} from the server and index this file instead?`;
          rowActions(row, [
            {
              text: "Yes, replace it",
              run: () => deleteDocument({ id: docId, title: old ? old.title : docId }, row, () => upload(file, row)),
            },
            { text: "Cancel", run: () => offerReplace(row, file, docId) },
          ]);
        },
      },
      { text: "Remove", run: () => dropRow(row) },
    ]);
  }

  // ---- document filter, health -------------------------------------------------------------

  function selectedDocs() {
    return [...docList.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
  }

  function updateFilterSummary() {
    const n = selectedDocs().length;
    docFilterSummary.textContent =
      n === 0 ? "All documents" : `${n} of ${documents.length} document${documents.length === 1 ? "" : "s"}`;
  }

  // Rows of indexed uploads whose document is no longer in the index now say so. Only rows done
  // before the list was asked for: a list fetched earlier may not have the new document yet.
  function markRemovedRows(rows, ids) {
    for (const row of rows) {
      if (row.dataset.stage !== "done" || ids.has(row.dataset.docId)) continue;
      setRow(row, `Removed (${row.dataset.docId}): no longer in the index`, 1, "removed");
    }
  }

  async function loadDocuments() {
    const indexedRows = [...jobList.querySelectorAll(".job[data-doc-id]")].filter(
      (row) => row.dataset.stage === "done"
    );
    let data;
    try {
      data = await getJson("/api/documents");
    } catch (err) {
      clear(docList);
      docList.append(el("p", { className: "error", text: err.message }));
      return;
    }
    // Keep what the reader has ticked when the list refreshes (a document added or removed).
    const ticked = documents.length ? selectedDocs() : readState().docs;
    documents = data.documents || [];
    markRemovedRows(indexedRows, new Set(documents.map((d) => d.id)));
    clear(docList);
    if (!documents.length) {
      docList.append(el("p", { className: "muted", text: "No documents are indexed yet." }));
      return;
    }
    for (const d of documents) docList.append(docRow(d, ticked.includes(d.id)));
    docList.append(
      el("button", {
        type: "button",
        className: "linkish",
        text: "Search all documents",
        onclick: () => {
          for (const b of docList.querySelectorAll("input[type=checkbox]")) b.checked = false;
          onFilterChange();
        },
      })
    );
    updateFilterSummary();
  }

  function onFilterChange() {
    updateFilterSummary();
    const state = formState();
    if (state.q) navigate(state);
  }

  let health = null; // the latest /api/health
  let seenVersion = null; // the index version the document list was loaded for

  // The model's name is for "About this search" and a tooltip, not the footer's words.
  function describeHealth(h) {
    const base = h.index_loaded
      ? `${h.documents} documents · ${h.chunks} passages`
      : `No index loaded${h.detail ? ": " + h.detail : ""}`;
    const running = (h.indexing || []).length;
    return running ? `${base} · indexing ${running} file${running === 1 ? "" : "s"}…` : base;
  }

  async function loadHealth() {
    try {
      health = await getJson("/api/health");
    } catch (err) {
      $("health").textContent = err.message;
      return null;
    }
    $("health").textContent = describeHealth(health);
    if (health.model) {
      const models = [health.model, health.second_model].filter(Boolean).join(" and ");
      $("health").title = `Similar meaning uses ${models}`;
      $("about-model").textContent = `here ${models}`;
    }
    if (seenVersion !== null && health.index_version !== seenVersion) loadDocuments();
    seenVersion = health.index_version;
    showUploadState();
    return health;
  }

  // The document filter follows the index: polled often while something is being indexed (here
  // or by another reader), rarely otherwise, never while the tab is hidden.
  function watchIndex() {
    const busy = (health && (health.indexing || []).length) || activeUploads > 0;
    setTimeout(async () => {
      if (!document.hidden) await loadHealth();
      watchIndex();
    }, busy ? 1000 : 8000);
  }

  // ---- add documents: upload with progress, then the indexing job's stages ------------------

  const TOKEN_KEY = "citesearch-token";
  const uploadsBox = $("uploads");
  const dropZone = $("drop-zone");
  const fileInput = $("file-input");
  const jobList = $("job-list");
  const tokenRow = $("token-row");
  const tokenInput = $("token");
  const tokenNote = $("token-note");
  const jobRows = new Map(); // job id or upload key -> row
  let activeUploads = 0;
  // Files refused for want of a (right) token, each with its row: sent again once a token is
  // given, or dropped with the row's Remove button. Nothing is dropped without the user.
  let waitingForToken = [];
  let afterToken = []; // downloads and deletions waiting for the token (needToken)

  function storedToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (_) {
      return "";
    }
  }

  function showUploadState() {
    if (!health) return;
    const enabled = health.uploads_enabled;
    dropZone.classList.toggle("disabled", !enabled);
    fileInput.disabled = !enabled;
    $("upload-note").textContent = enabled
      ? "Each file is indexed on the server; its passages are searchable as soon as it is done."
      : "Uploads are disabled on this server (it was started without CITESEARCH_API_TOKEN).";
    if (health.formats && health.formats.length) {
      fileInput.setAttribute("accept", health.formats.join(","));
      $("formats").textContent = "Reads " + health.formats.join(", ");
    }
  }

  function jobRow(key, name) {
    let row = jobRows.get(key);
    if (!row) {
      row = el("li", { className: "job" }, [
        el("span", { className: "job-name", text: name }),
        el("progress", { max: "1", value: "0", "aria-label": `Progress of ${name}` }),
        el("span", { className: "job-state" }),
        el("span", { className: "job-actions" }),
      ]);
      row.dataset.stages = "";
      row.dataset.key = key;
      jobRows.set(key, row);
      jobList.prepend(row);
    }
    return row;
  }

  // The buttons a row offers now ({text, run}); none while its job goes on by itself.
  function rowActions(row, actions) {
    const box = row.querySelector(".job-actions");
    clear(box);
    for (const { text, run } of actions) {
      const name = row.querySelector(".job-name").textContent;
      box.append(el("button", { type: "button", className: "job-btn", text, title: `${text}: ${name}`, onclick: run }));
    }
  }

  function dropRow(row) {
    jobRows.delete(row.dataset.key);
    for (const [key, value] of jobRows) if (value === row) jobRows.delete(key);
    row.remove();
  }

  function setRow(row, text, fraction, stage, failed) {
    rowActions(row, []);
    row.querySelector(".job-state").textContent = text;
    const bar = row.querySelector("progress");
    if (fraction === null) bar.removeAttribute("value");
    else bar.value = Math.max(0, Math.min(1, fraction));
    row.classList.toggle("failed", Boolean(failed));
    row.dataset.stage = stage;
    const seen = row.dataset.stages ? row.dataset.stages.split(" ") : [];
    if (!seen.includes(stage)) row.dataset.stages = [...seen, stage].join(" ");
  }

  const STAGE_TEXT = {
    parsing: (j) => `Reading the file (${j.done} of ${j.total})`,
    embedding: (j) => `Embedding passages and sentences: ${j.done} of ${j.total}`,
    publishing: () => "Publishing the new index",
    // Published by its words (issue 27): found by them now; its vectors are being made.
    meaning: (j) => (j.note ? j.note[0].toUpperCase() + j.note.slice(1) : "Searchable by words; meaning search follows"),
  };

  function showJob(row, job) {
    if (job.status === "queued") return setRow(row, "Waiting for the indexer", 0, "queued");
    if (job.status === "running") {
      const say = STAGE_TEXT[job.stage];
      const fraction = job.total ? job.done / job.total : null;
      return setRow(row, say ? say(job) : "Indexing", fraction, job.stage || "running");
    }
    if (job.status === "done") {
      const what = job.kind === "delete" ? "Removed" : "Indexed: searchable now";
      const warned = (job.warnings || []).length ? `; not all read: ${job.warnings.join("; ")}` : "";
      // An indexed document's row follows the document list (a removal made elsewhere).
      if (job.kind !== "delete" && job.doc_id) row.dataset.docId = job.doc_id;
      return setRow(row, `${what} (${job.doc_id})${warned}`, 1, "done");
    }
    const why = job.error || `the job ended as ${job.status}`;
    const said = job.status === "interrupted" ? `Stopped by a server restart: ${why}` : `Failed: ${why}`;
    setRow(row, said, 0, job.status, true);
    offerJobActions(row, job);
  }

  // A failed or interrupted job keeps its file on the server until the token's holder says
  // (the server asks for the token; the page asks the user for it on a refusal).
  function offerJobActions(row, job) {
    rowActions(row, [
      { text: "Try again", run: () => jobAction(row, job, "POST", "/retry") },
      { text: "Remove", run: () => jobAction(row, job, "DELETE", "") },
    ]);
  }

  // "Try again" (POST /api/jobs/{id}/retry: a new job, followed in the same row) or "Remove"
  // (DELETE /api/jobs/{id}: the job and its kept file go, and so does the row).
  async function jobAction(row, job, method, suffix) {
    rowActions(row, []);
    const token = storedToken();
    const answer = await send(`/api/jobs/${encodeURIComponent(job.id)}${suffix}`, method, token, method === "POST");
    const { response, body } = answer;
    if (!response) {
      setRow(row, answer.detail, 0, "error", true);
      offerJobActions(row, job);
      return;
    }
    if (!response.ok) {
      let detail = answer.detail;
      if (response.status === 401) {
        forgetStoredToken();
        detail = token
          ? "The upload token was not accepted: type it again above, then try again."
          : "This needs the server's upload token: type it above, then try again.";
        tokenNote.textContent = detail;
        tokenRow.hidden = false;
      }
      setRow(row, detail, 0, "refused", true);
      offerJobActions(row, job);
      return;
    }
    if (method === "DELETE") {
      dropRow(row);
      return;
    }
    watchIndexSoon();
    followJob(body, row);
  }

  async function followJob(job, row) {
    jobRows.set(job.id, row);
    row.dataset.job = job.id;
    showJob(row, job);
    if (job.status !== "queued" && job.status !== "running") return; // finished before we looked
    let listed = false; // the document listed once it is searchable by its words
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 400));
      try {
        job = await getJson(`/api/jobs/${encodeURIComponent(job.id)}`, undefined, storedToken());
      } catch (err) {
        setRow(row, err.message, 0, "error", true);
        return;
      }
      showJob(row, job);
      if (job.searchable && !listed) {
        listed = true;
        await loadDocuments();
      }
    }
    await loadHealth();
    await loadDocuments();
  }

  function forgetStoredToken() {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch (_) {
      /* nothing was kept */
    }
  }

  // `refused`: the token sent was wrong (it is forgotten), rather than missing. The prompt has
  // an element of its own, so that the upload note's refreshes do not wipe it.
  function askForToken(file, row, refused) {
    if (refused) forgetStoredToken();
    const waiting = { file, row };
    waitingForToken.push(waiting);
    setRow(row, "Waiting for the upload token: not sent yet", 0, "token");
    rowActions(row, [
      {
        text: "Remove",
        run: () => {
          waitingForToken = waitingForToken.filter((w) => w !== waiting);
          dropRow(row);
          if (!waitingForToken.length && !afterToken.length) tokenRow.hidden = true;
        },
      },
    ]);
    tokenNote.textContent = refused
      ? "The upload token was not accepted. Check it and type it again; the files below wait for it."
      : "This server needs its upload token to accept files. Type it below; the files below wait for it.";
    tokenRow.hidden = false;
    tokenInput.focus();
  }

  function upload(file, givenRow) {
    const row = givenRow || jobRow(`upload:${Date.now()}:${Math.random()}`, file.name);
    setRow(row, "Uploading…", 0, "uploading");
    const body = new FormData();
    body.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/documents");
    xhr.setRequestHeader("Accept", "application/json");
    const token = storedToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const pct = Math.round((100 * event.loaded) / event.total);
      setRow(row, `Uploading: ${pct}%`, event.loaded / event.total, "uploading");
    });
    activeUploads += 1;
    const finish = () => {
      activeUploads -= 1;
    };
    xhr.addEventListener("error", () => {
      finish();
      setRow(row, "The upload failed: the server could not be reached.", 0, "error", true);
    });
    xhr.addEventListener("load", () => {
      finish();
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (_) {
        data = null;
      }
      if (xhr.status === 401) {
        askForToken(file, row, Boolean(token));
        return;
      }
      const taken = xhr.status === 409 && data && /'([^']+)' was already uploaded/.exec(data.detail || "");
      if (taken) {
        offerReplace(row, file, taken[1]);
        return;
      }
      if (xhr.status !== 202 || !data || !data.id) {
        const detail = data && typeof data.detail === "string" ? data.detail : xhr.statusText;
        setRow(row, `Not accepted: ${detail || "error " + xhr.status}`, 0, "refused", true);
        return;
      }
      followJob(data, row);
    });
    xhr.send(body);
  }

  // `rows`: the rows the files already have (files that waited for the token).
  function uploadAll(files, rows) {
    if (!health || !health.uploads_enabled) return;
    uploadsBox.open = true;
    files.forEach((file, i) => upload(file, rows ? rows[i] : null));
    watchIndexSoon();
  }

  function watchIndexSoon() {
    setTimeout(loadHealth, 300);
  }

  $("token-button").addEventListener("click", () => {
    const given = tokenInput.value.trim();
    if (!given) {
      tokenInput.focus();
      return;
    }
    try {
      sessionStorage.setItem(TOKEN_KEY, given);
    } catch (_) {
      /* storage refused: the token is lost with the page */
    }
    tokenInput.value = "";
    tokenRow.hidden = true;
    showUploadState();
    const waiting = waitingForToken;
    waitingForToken = [];
    uploadAll(
      waiting.map((w) => w.file),
      waiting.map((w) => w.row)
    );
    const retries = afterToken;
    afterToken = [];
    for (const retry of retries) retry();
  });
  tokenInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      $("token-button").click();
    }
  });
  fileInput.addEventListener("change", () => {
    uploadAll([...fileInput.files]);
    fileInput.value = "";
  });
  for (const type of ["dragenter", "dragover"]) {
    dropZone.addEventListener(type, (event) => {
      event.preventDefault();
      dropZone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    dropZone.addEventListener(type, () => dropZone.classList.remove("over"));
  }
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    uploadAll([...event.dataTransfer.files]);
  });

  // Jobs started elsewhere (another tab, another reporter) show when the panel opens.
  uploadsBox.addEventListener("toggle", async () => {
    if (!uploadsBox.open) return;
    let data;
    try {
      data = await getJson("/api/jobs?limit=10", undefined, storedToken());
    } catch (_) {
      return;
    }
    for (const job of data.jobs.slice().reverse()) {
      if (jobRows.has(job.id)) continue;
      const row = jobRow(job.id, job.filename || job.doc_id || `${job.kind} job`);
      followJob(job, row);
    }
  });

  // ---- routing and events ------------------------------------------------------------------

  function route() {
    const state = readState();
    fillForm(state);
    const extra = state.view ? null : extraViews.find((v) => v.matches(state));
    for (const v of extraViews) if (v !== extra) v.hide();
    if (state.view) {
      suggestionLine.hidden = true;
      showDocument(state);
    } else if (state.q && !extra) {
      document.title = `${state.q} — citesearch`;
      runSearch(state);
    } else {
      if (inflight) inflight.abort();
      document.title = "citesearch";
      answerBox.hidden = true;
      suggestionLine.hidden = true;
      clear(resultsBox);
      hidePager();
      hideFacets();
      docView.hidden = true;
      clear(docView);
      if (extra) extra.show(state); // its own view (entity.js) in the space results take
      else setStatus("Type a question or some keywords, then press Enter.");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const state = formState();
    if (!state.q) {
      setStatus("Type a question or some keywords first.", "error");
      input.focus();
      return;
    }
    const tooLong = checkLength();
    if (tooLong) {
      setStatus(tooLong, "error");
      input.focus();
      return;
    }
    navigate(state);
  });
  input.addEventListener("input", checkLength);

  for (const select of [modeSelect, sortSelect]) {
    select.addEventListener("change", () => {
      const state = formState();
      if (state.q) navigate(state);
    });
  }
  kSelect.addEventListener("change", () => {
    const state = formState();
    if (state.q) navigate(state);
  });

  // Paging only means something on a page of results (not home, the viewer, or an error).
  function canPage(button) {
    const state = readState();
    return !pager.hidden && !button.disabled && state.q && !state.view ? state : null;
  }
  $("prev").addEventListener("click", () => {
    const state = canPage($("prev"));
    if (state) navigate({ ...state, offset: Math.max(0, state.offset - state.k) });
  });
  $("next").addEventListener("click", () => {
    const state = canPage($("next"));
    if (!state) return;
    navigate({ ...state, offset: state.offset + state.k });
    window.scrollTo(0, 0);
  });

  $("home").addEventListener("click", (event) => {
    event.preventDefault();
    navigate({ q: "", docs: [] });
    input.focus();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const t = event.target;
    const typing =
      t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
    if (typing) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  window.addEventListener("popstate", route);

  // What the page's other scripts (entity.js, batch.js, history.js) build on: views of their own
  // ({matches(state), show(state), hide()}) routed as the others, extras beside facet values.
  const extraViews = [];
  const facetExtras = [];
  const hitExtras = []; // (hit, state) -> element, added to each hit (annotations.js)
  const docExtras = []; // (document) -> element, added to each row of the document list
  window.citesearch = {
    el, clear, getJson, annotated, notePanel, docLink, navigate, stateUrl, readState, setStatus,
    pagesLabel, startRequest, docInfo, CSV_COLUMNS, hitRows, csvText, resultsMarkdown, saveBlob,
    addView(view) {
      extraViews.push(view);
      if (!readState().view && view.matches(readState())) route();
    },
    addFacetExtra(extra) {
      facetExtras.push(extra);
    },
    storedToken,
    needToken,
    addHitExtra(extra) {
      hitExtras.push(extra);
    },
    addDocExtra(extra) {
      docExtras.push(extra);
    },
  };
  // Results are re-rendered after a fetch, so the browser's own restoration would come too early.
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";

  loadDocuments();
  loadHealth().then(watchIndex);
  route();
})();
