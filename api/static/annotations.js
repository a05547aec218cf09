// Tags, stars and notes on each hit and on each document of the list (the API's
// /api/documents/{id}[/passages/{chunk}]/tags|star|note). Writes need the upload token, asked for
// as uploads ask for it; everything a user typed is put in the page as text.
"use strict";

(function () {
  const cs = window.citesearch;
  if (!cs) return;
  const { el } = cs;

  function targetPath(docId, chunkId) {
    const base = `/api/documents/${encodeURIComponent(docId)}`;
    return chunkId ? `${base}/passages/${encodeURIComponent(chunkId)}` : base;
  }

  // The write, with the token when one is held: the annotation as saved, or null (said in
  // `say`; a missing or refused token is asked for and the write runs again once given).
  async function write(url, method, body, say, retry) {
    const token = cs.storedToken();
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
    } catch (_) {
      say("The server could not be reached: not saved.");
      return null;
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (response.status === 401 || (response.status === 403 && !token)) {
      say("Waiting for the upload token: not saved yet.");
      cs.needToken(
        token
          ? "The upload token was not accepted. Type it again to save your tag, star or note."
          : "Tags, stars and notes are saved with the server's upload token. Type it below.",
        retry,
        response.status === 401 && Boolean(token)
      );
      return null;
    }
    if (!response.ok) {
      say((data && data.detail) || `Not saved (error ${response.status}).`);
      return null;
    }
    return data;
  }

  // One bar of controls for a passage (`chunkId`) or a document (null) of `owner` (the hit or
  // the listed document: what is saved goes into its `annotations`, so the page's exports hold
  // it); `label` names it for screen readers ("passage 3", "“Belarus exports”").
  function annotationBar(owner, docId, chunkId, label) {
    const box = el("div", { className: "annotations", role: "group", "aria-label": `Tags, star and note: ${label}` });
    render(box, owner, docId, chunkId, label);
    return box;
  }

  function render(box, owner, docId, chunkId, label) {
    const a = owner.annotations || {};
    cs.clear(box);
    const status = el("span", { className: "annotation-status", role: "status", "aria-live": "polite" });
    const say = (text) => (status.textContent = text);
    const path = targetPath(docId, chunkId);
    const apply = async (url, method, body) => {
      const run = async () => {
        const saved = await write(url, method, body, say, run);
        if (saved) {
          owner.annotations = { ...saved, document_tags: a.document_tags || [] };
          render(box, owner, docId, chunkId, label);
          box.querySelector(".star-toggle").focus({ preventScroll: true });
        }
      };
      await run();
    };
    const star = el("button", {
      type: "button",
      className: "star-toggle",
      "aria-pressed": a.starred ? "true" : "false",
      "aria-label": `Star ${label}`,
      title: a.starred ? "Starred: click to unstar" : "Star it (starred:yes finds it)",
      text: a.starred ? "★" : "☆",
      onclick: () => apply(`${path}/star`, a.starred ? "DELETE" : "PUT"),
    });
    const tags = el(
      "ul",
      { className: "tag-list", "aria-label": "Tags" },
      (a.tags || []).map((tag) =>
        el("li", { className: "tag" }, [
          el("button", {
            type: "button",
            className: "tag-name",
            text: tag,
            title: `Search with tag:"${tag}"`,
            onclick: () => searchTag(tag),
          }),
          el("button", {
            type: "button",
            className: "tag-remove",
            text: "×",
            "aria-label": `Remove tag ${tag}`,
            onclick: () => apply(`${path}/tags/${encodeURIComponent(tag)}`, "DELETE"),
          }),
        ])
      )
    );
    const inherited = (a.document_tags || []).length
      ? el("span", { className: "muted doc-tags", text: `Document tags: ${a.document_tags.join(", ")}` })
      : null;
    const adder = tagAdder(label, (tag) => apply(`${path}/tags`, "POST", { tag }));
    box.append(...[star, tags, inherited, adder, noteBox(a, label, path, apply), status].filter(Boolean));
  }

  // A text box and a button, not a form: the document list sits inside the search form.
  function tagAdder(label, add) {
    const input = el("input", { type: "text", className: "tag-input", maxlength: "60", "aria-label": `New tag for ${label}`, placeholder: "Add a tag" });
    const submit = () => {
      const tag = input.value.trim();
      if (tag) add(tag);
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        submit();
      }
    });
    return el("span", { className: "tag-adder" }, [
      input,
      el("button", { type: "button", className: "tag-add", text: "Tag", onclick: submit }),
    ]);
  }

  // A button that shows the note's editor (a <details> would be one more summary in the
  // document list, which is itself a <details>).
  let notes = 0;
  function noteBox(a, label, path, apply) {
    const id = `note-editor-${++notes}`;
    const text = el("textarea", { className: "note-input", rows: "3", maxlength: "10000", "aria-label": `Note on ${label}` });
    text.value = a.note || "";
    const editor = el("div", { className: "note-editor", id, hidden: true }, [
      text,
      el("button", { type: "button", className: "note-save", text: "Save note", onclick: () => apply(`${path}/note`, "PUT", { note: text.value }) }),
      a.note ? el("button", { type: "button", className: "note-delete", text: "Delete note", onclick: () => apply(`${path}/note`, "DELETE") }) : null,
    ]);
    const shown = a.note ? `Note: ${a.note.slice(0, 80)}${a.note.length > 80 ? "…" : ""}` : "Add a note";
    const toggle = el("button", { type: "button", className: "note-toggle", text: shown, "aria-expanded": "false", "aria-controls": id });
    toggle.addEventListener("click", () => {
      editor.hidden = !editor.hidden;
      toggle.setAttribute("aria-expanded", String(!editor.hidden));
      if (!editor.hidden) text.focus();
    });
    return el("span", { className: "note-box" }, [toggle, editor]);
  }

  function searchTag(tag) {
    const state = cs.readState();
    const clause = `tag:"${tag}"`;
    const q = (state.q || "").includes(clause) ? state.q : `${state.q || ""} ${clause}`.trim();
    cs.navigate({ ...state, q, offset: 0, view: null });
  }

  cs.addHitExtra((hit) => annotationBar(hit, hit.doc_id, hit.chunk_id, `passage ${hit.rank}`));
  cs.addDocExtra((d) => annotationBar(d, d.id, null, `“${d.title}”`));
})();
