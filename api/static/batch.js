// citesearch: many questions at once. Pasted one a line, or read from a .txt or .csv file (its
// first column), asked through /api/search one after another (so the server's search gate treats
// this page as one reader), with progress and a Stop button; the answers, top passages and notes
// as a table, and as CSV and Markdown in the page's own export shapes (app.js, api/export.py).
"use strict";

(function () {
  const cs = window.citesearch;
  if (!cs) return;
  const { el, clear, getJson, readState } = cs;
  const MAX_QUESTIONS = 100;
  const MAX_FILE_BYTES = 1024 * 1024;
  const PASSAGES = 3; // top passages per question
  const body = document.getElementById("batch-body");

  const text = el("textarea", { id: "batch-questions", rows: 5, spellcheck: "false", "aria-describedby": "batch-help" });
  const file = el("input", { type: "file", id: "batch-file", accept: ".txt,.csv,text/plain,text/csv" });
  const run = el("button", { type: "button", id: "batch-run", text: "Ask them" });
  const stop = el("button", { type: "button", id: "batch-stop", text: "Stop", disabled: true });
  const bar = el("progress", { id: "batch-progress", max: 1, value: 0, hidden: true, "aria-hidden": "true" });
  const status = el("p", { id: "batch-status", className: "batch-status", role: "status", "aria-live": "polite" });
  const table = el("div", { id: "batch-results", className: "batch-results" });
  let controller = null;
  let answered = []; // [{question, data | null, error | null}]

  body.append(
    el("label", { for: "batch-questions", text: "Questions, one a line" }),
    text,
    el("p", { id: "batch-help", className: "muted", text:
      `Or read them from a .txt file (one a line) or a .csv file (the first column). At most ${MAX_QUESTIONS} at a time; ` +
      "each is searched with the options above." }),
    el("p", { className: "batch-actions" }, [
      el("label", { className: "file-label", for: "batch-file" }, ["Read from a file", file]),
      run,
      stop,
    ]),
    bar,
    status,
    table
  );

  // The first cell of a CSV line (quoted or not); a header named question/query is skipped.
  function firstCell(line) {
    const m = /^\s*"((?:[^"]|"")*)"/.exec(line);
    return m ? m[1].replace(/""/g, '"') : line.split(",")[0];
  }

  function questionsOf(raw, isCsv) {
    const lines = raw.split(/\r?\n/).map((line) => (isCsv ? firstCell(line) : line).trim()).filter(Boolean);
    if (isCsv && lines.length && /^(question|query|q)s?$/i.test(lines[0])) lines.shift();
    return lines;
  }

  file.addEventListener("change", async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    if (chosen.size > MAX_FILE_BYTES) {
      say(`That file is over ${MAX_FILE_BYTES / 1024 / 1024} MB; a list of questions is far smaller.`, "error");
      return;
    }
    const csv = /\.csv$/i.test(chosen.name) || chosen.type === "text/csv";
    text.value = questionsOf(await chosen.text(), csv).join("\n");
    file.value = "";
    say(`${counted(questionsOf(text.value, false).length, "question")} read from ${chosen.name}.`);
  });

  function counted(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  function say(message, kind) {
    status.textContent = message;
    status.className = "batch-status" + (kind ? " " + kind : "");
  }

  run.addEventListener("click", async () => {
    const questions = questionsOf(text.value, false);
    if (!questions.length) {
      say("Type or paste some questions first, one a line.", "error");
      text.focus();
      return;
    }
    if (questions.length > MAX_QUESTIONS) {
      say(`At most ${MAX_QUESTIONS} questions at a time; this list has ${questions.length}. Split it into smaller lists.`, "error");
      return;
    }
    await ask(questions);
  });

  stop.addEventListener("click", () => controller && controller.abort());

  async function ask(questions) {
    const state = readState();
    const mode = document.getElementById("mode").value || state.mode;
    controller = new AbortController();
    const signal = controller.signal;
    answered = [];
    run.disabled = true;
    stop.disabled = false;
    bar.hidden = false;
    bar.max = questions.length;
    bar.value = 0;
    renderTable();
    for (const [i, question] of questions.entries()) {
      say(`${i} of ${questions.length} answered…`, "loading");
      const p = new URLSearchParams({ q: question, k: PASSAGES, mode });
      for (const d of state.docs) p.append("doc", d);
      try {
        answered.push({ question, data: await getJson("/api/search?" + p, signal), error: null });
      } catch (err) {
        if (err.name === "AbortError") break;
        answered.push({ question, data: null, error: err.message });
      }
      bar.value = answered.length;
      renderTable();
    }
    const stopped = signal.aborted;
    controller = null;
    run.disabled = false;
    stop.disabled = true;
    bar.hidden = true;
    say(
      stopped
        ? `Stopped after ${answered.length} of ${questions.length}; the answers so far are below.`
        : `${answered.length} of ${questions.length} answered.`,
      stopped ? "empty" : ""
    );
    if (stopped) stop.blur();
  }

  function answerState(row) {
    if (row.error) return "error";
    const a = row.data.answer;
    return !a ? "not found" : a.state === "candidates" ? "possible answers" : "strong";
  }

  function answerText(row) {
    if (row.error) return row.error;
    const a = row.data.answer;
    return a ? `${a.text.trim()} (${a.title}, p. ${a.page_label || a.page})` : "";
  }

  function noteLines(citations) {
    return (citations || []).map((c) => `[${c.label || c.n}] ${c.note === null || c.note === undefined ? "Note not available in the source." : c.note}`);
  }

  function renderTable() {
    clear(table);
    if (!answered.length) return;
    const head = ["Question", "Answer", "Answer text", "Top passages", "Notes"];
    const rows = answered.map((row) => {
      const hits = row.data ? row.data.results : [];
      const passages = el("ol", null, hits.map((h) =>
        el("li", null, [`${h.title}, ${cs.pagesLabel(h.page_label_start || h.page_start, h.page_label_end || h.page_end)}`])
      ));
      const notes = noteLines(row.data && row.data.answer ? row.data.answer.citations : []);
      return el("tr", { className: `batch-row ${answerState(row).replace(/ /g, "-")}` }, [
        el("th", { scope: "row", text: row.question }),
        el("td", { className: "batch-state", text: answerState(row) }),
        el("td", { text: answerText(row) }),
        el("td", null, [hits.length ? passages : ""]),
        el("td", null, [notes.length ? el("ul", null, notes.map((n) => el("li", { text: n }))) : ""]),
      ]);
    });
    table.append(
      el("div", { className: "export" }, [
        el("span", { className: "muted", text: "Download all answers: " }),
        downloadButton("CSV", "batch-csv", () => cs.csvText(csvRows()), "text/csv;charset=utf-8", "csv"),
        downloadButton("Markdown", "batch-md", markdown, "text/markdown;charset=utf-8", "md"),
      ]),
      el("div", { className: "table-scroll", tabindex: "0", role: "region", "aria-label": "Answers" }, [
        el("table", { className: "batch-table" }, [
          el("thead", null, [el("tr", null, head.map((h) => el("th", { scope: "col", text: h })))]),
          el("tbody", null, rows),
        ]),
      ])
    );
  }

  function downloadButton(label, id, make, type, extension) {
    const b = el("button", { type: "button", className: "export-btn", id, text: label });
    b.addEventListener("click", () => cs.saveBlob(new Blob([make()], { type }), `citesearch-batch.${extension}`));
    return b;
  }

  // The page's result CSV (CSV_COLUMNS, one row per passage) with the question and its answer
  // in front; a question without passages keeps one row.
  function csvRows() {
    const rows = [["question", "answer_state", "answer", "answer_footnotes", ...cs.CSV_COLUMNS]];
    for (const row of answered) {
      const front = [row.question, answerState(row), answerText(row), noteLines(row.data && row.data.answer ? row.data.answer.citations : []).join(" | ")];
      const hits = row.data ? cs.hitRows(row.data) : [];
      if (!hits.length) rows.push([...front, ...cs.CSV_COLUMNS.map(() => "")]);
      for (const hit of hits) rows.push([...front, ...hit]);
    }
    return rows;
  }

  // Each question as the page's Markdown export of its results, one after another.
  function markdown() {
    return answered
      .map((row) => (row.data ? cs.resultsMarkdown(row.data) : `# ${row.question}\n\nNot searched: ${row.error}\n`))
      .join("\n---\n\n");
  }
})();
