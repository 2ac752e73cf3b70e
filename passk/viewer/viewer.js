// passk sample browser: a table of problems, and a problem's samples loaded on demand from data/rR/P.js.
// No framework and no fetch(): data files are scripts, so the page works from file:// and from any static server.
"use strict";

const INDEX = window.PASSK_INDEX;
const PAGE = 40; // samples rendered per run column before "show more"
const STATUSES = ["correct", "incorrect", "no_answer", "truncated"];
const state = {
  a: 0, b: INDEX.runs.length > 1 ? 1 : -1, sortKey: "order", sortDir: 1, query: "",
  problem: null, flaggedOnly: false, hidden: new Set(), classFilter: {}, shown: {},
};
window.passkTimings = []; // [{problem, ms}]: time from opening a problem to its samples on screen
const cache = {};
const waiting = {};

// A data file calls passkSamples(key, data) when it has loaded.
window.passkSamples = function (key, data) {
  cache[key] = data;
  (waiting[key] || []).forEach((w) => w.resolve(data));
  delete waiting[key];
};

function loadSamples(ri, pi) {
  const key = `r${ri}/${pi}`;
  if (cache[key]) return Promise.resolve(cache[key]);
  return new Promise((resolve, reject) => {
    if (!waiting[key]) {
      waiting[key] = [];
      const tag = document.createElement("script");
      tag.src = `data/${key}.js`;
      tag.onerror = () => {
        (waiting[key] || []).forEach((w) => w.reject(new Error(`cannot load ${tag.src}`)));
        delete waiting[key];
      };
      document.head.appendChild(tag);
    }
    waiting[key].push({ resolve, reject });
  });
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const pct = (x) => (x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`);
const shorten = (s, n) => (s && s.length > n ? s.slice(0, n - 1) + "…" : s || "");

// ---- the problem table ------------------------------------------------------------------------------------------
function runColumns() {
  const cols = [["A", state.a]];
  if (state.b >= 0) cols.push(["B", state.b]);
  return cols;
}

const RUN_FIELDS = [ // [key, heading, cell]
  ["rate", "pass rate", (r) => `${pct(r.rate)} (${r.c}/${r.n})`],
  ["maj", "majority answer", (r) => r.maj === null ? "-" : `${shorten(r.maj, 24)}${r.majCorrect ? " ✓" : ""}`],
  ["majShare", "maj. share", (r) => pct(r.majShare)],
  ["trunc", "truncated", (r) => pct(r.trunc)],
  ["noans", "no answer", (r) => pct(r.noans)],
  ["flagged", "flagged", (r) => String(r.flagged)],
];

function sortValue(row, key) {
  if (key === "order") return row.order;
  if (key === "id" || key === "b" || key === "gold") return row[key];
  const [which, field] = key.split(".");
  const r = row.runs[which === "A" ? state.a : state.b];
  if (!r) return null;
  if (field === "maj") { // numbers by value, then text
    const v = Number(r.maj);
    return r.maj === null ? null : Number.isFinite(v) ? v : r.maj;
  }
  return r[field];
}

function compare(x, y) {
  if (x === y) return 0;
  if (x === null) return 1; // missing values last, whichever the direction
  if (y === null) return -1;
  if (typeof x === "number" && typeof y === "number") return x - y;
  if (typeof x === "number") return -1;
  if (typeof y === "number") return 1;
  return String(x).localeCompare(String(y), undefined, { numeric: true });
}

function renderTable() {
  const table = document.getElementById("problem-table");
  const headings = [["order", "#"], ["b", "benchmark"], ["id", "problem"], ["gold", "gold"]];
  for (const [which, ri] of runColumns())
    for (const [field, label] of RUN_FIELDS) headings.push([`${which}.${field}`, `${label} (${INDEX.runs[ri].label})`, which]);
  const head = el("tr", null, headings.map(([key, label, which]) => el("th", {
    "data-key": key, class: [which === "B" ? "run-b" : "", state.sortKey === key ? (state.sortDir > 0 ? "sorted-asc" : "sorted-desc") : ""].join(" ").trim() || null,
    onclick: () => { state.sortDir = state.sortKey === key ? -state.sortDir : (key.includes(".") ? -1 : 1); state.sortKey = key; renderTable(); },
  }, label)));
  table.tHead.replaceChildren(head);
  const q = state.query.toLowerCase();
  const rows = INDEX.problems.filter((p) => !q || `${p.b} ${p.id} ${p.problem} ${p.gold}`.toLowerCase().includes(q));
  rows.sort((x, y) => {
    const a = sortValue(x, state.sortKey), b = sortValue(y, state.sortKey);
    if (a === null || b === null) return compare(a, b);
    return state.sortDir * compare(a, b) || x.order - y.order;
  });
  const body = rows.map((p) => {
    const cells = [el("td", { class: "num" }, p.order + 1), el("td", null, p.b),
      el("td", { title: p.problem }, el("b", null, p.id), " ", shorten(p.problem, 90)), el("td", null, shorten(p.gold, 30))];
    for (const [which, ri] of runColumns()) {
      const r = p.runs[ri];
      for (const [field, , cell] of RUN_FIELDS)
        cells.push(el("td", { class: `num ${which === "B" ? "run-b" : ""} f-${field}` }, r ? cell(r) : "-"));
    }
    return el("tr", { "data-pi": p.order, onclick: () => openProblem(p.order) }, cells);
  });
  table.tBodies[0].replaceChildren(...body);
  document.getElementById("summary").textContent = `${rows.length} of ${INDEX.problems.length} problems`;
}

// ---- one problem ------------------------------------------------------------------------------------------------
function sampleVisible(s, ri) {
  const group = STATUSES.includes(s.s) ? s.s : "other";
  if (state.hidden.has(group)) return false;
  if (state.flaggedOnly && !Object.keys(s.fl).length) return false;
  const cls = state.classFilter[ri];
  return cls === undefined || s.k === cls;
}

function completionNode(s) {
  const pre = el("pre");
  if (s.a) {
    pre.append(s.c.slice(0, s.a[0]), el("mark", { title: `extracted (${s.r})` }, s.c.slice(s.a[0], s.a[1])), s.c.slice(s.a[1]));
  } else {
    pre.append(s.c);
  }
  return pre;
}

function sampleCard(s) {
  const flags = Object.entries(s.fl);
  return el("div", { class: "sample", "data-status": s.s, "data-idx": s.i, "data-flagged": flags.length ? "1" : "0" },
    el("div", { class: "head" },
      el("b", null, `#${s.i}`), el("span", { class: `status ${s.s}` }, s.s),
      el("span", null, "answer: ", el("code", null, s.x === null ? "(none)" : s.x)),
      el("span", null, `rule ${s.r || "-"}${s.m ? `, ${s.m}` : ""}`),
      el("span", null, `${s.t} tokens, ${s.f}`),
      s.d ? el("span", { class: "detail" }, s.d) : null),
    flags.length ? el("div", { class: "flags" }, flags.map(([name, why]) => el("div", null, el("b", null, name), ": ", why))) : null,
    completionNode(s));
}

function runColumn(ri, data) {
  const col = el("div", { class: "run-col", "data-run": ri });
  const st = data.stats;
  col.append(el("h3", null, INDEX.runs[ri].label, " ",
    el("span", { class: "count" }, `${st.c}/${st.n} correct, ${st.distinct} distinct answers, ${st.flagged} flagged`)));
  const flagCounts = {};
  data.samples.forEach((s) => Object.keys(s.fl).forEach((f) => { flagCounts[f] = (flagCounts[f] || 0) + 1; }));
  if (Object.keys(flagCounts).length)
    col.append(el("div", { class: "flags flag-summary" }, "audit flags: ",
      Object.entries(flagCounts).map(([f, n]) => el("span", { title: INDEX.flags[f] || "" }, `${f} ${n}  `))));
  const classes = el("div", { class: "classes" });
  data.classes.forEach((c, k) => {
    const name = c.vote ? (c.correct ? `${shorten(c.answer, 30)} (gold)` : shorten(c.answer, 30)) : `(${c.label}: no vote)`;
    classes.append(el("button", {
      type: "button", class: `class${c.correct ? " correct" : ""}${state.classFilter[ri] === k ? " active" : ""}`,
      "data-class": k, title: c.answer || "",
      onclick: () => { state.classFilter[ri] = state.classFilter[ri] === k ? undefined : k; state.shown[ri] = PAGE; renderProblem(); },
    }, `${name} × ${c.count}`));
  });
  col.append(classes);
  const visible = data.samples.filter((s) => sampleVisible(s, ri));
  const limit = state.shown[ri] || PAGE;
  col.append(el("div", { class: "count shown" }, `showing ${Math.min(limit, visible.length)} of ${visible.length} matching samples (${data.samples.length} in all)`));
  const list = el("div", { class: "samples" });
  visible.slice(0, limit).forEach((s) => list.append(sampleCard(s)));
  col.append(list);
  if (visible.length > limit)
    col.append(el("button", { type: "button", class: "more", onclick: () => { state.shown[ri] = limit + PAGE; renderProblem(); } }, `show ${Math.min(PAGE, visible.length - limit)} more`));
  return col;
}

function renderProblem() {
  const p = INDEX.problems[state.problem];
  const started = performance.now();
  const cols = runColumns().filter(([, ri]) => p.runs[ri]);
  const token = (state.renderToken = (state.renderToken || 0) + 1);
  return Promise.all(cols.map(([, ri]) => loadSamples(ri, p.order))).then((datas) => {
    if (token !== state.renderToken) return; // a later click won
    const columns = document.getElementById("columns");
    columns.replaceChildren(...cols.map(([, ri], i) => runColumn(ri, datas[i])));
    if (!cols.length) columns.replaceChildren(el("p", null, "no samples of this problem in the selected runs"));
    return performance.now() - started;
  }, (err) => {
    document.getElementById("columns").replaceChildren(el("p", { class: "bad" }, String(err)));
  });
}

function openProblem(pi) {
  const started = performance.now();
  state.problem = pi;
  state.classFilter = {};
  state.shown = {};
  const p = INDEX.problems[pi];
  document.getElementById("list").hidden = true;
  document.getElementById("detail").hidden = false;
  document.getElementById("problem-title").textContent = `${p.b} / ${p.id}`;
  document.getElementById("problem-text").textContent = p.problem;
  document.getElementById("problem-gold").textContent = `gold: ${p.gold}`;
  document.getElementById("columns").replaceChildren(el("p", null, "loading…"));
  history.replaceState(null, "", `#p=${pi}`);
  window.scrollTo(0, 0);
  return renderProblem().then(() => {
    window.passkTimings.push({ problem: pi, ms: performance.now() - started });
    document.body.dataset.loaded = String(pi);
  });
}

function closeProblem() {
  state.problem = null;
  document.getElementById("detail").hidden = true;
  document.getElementById("list").hidden = false;
  history.replaceState(null, "", "#");
  renderTable();
}

// ---- wiring -----------------------------------------------------------------------------------------------------
function fillRunSelects() {
  const a = document.getElementById("run-a"), b = document.getElementById("run-b");
  INDEX.runs.forEach((r, i) => a.append(el("option", { value: i }, r.label)));
  b.append(el("option", { value: -1 }, "(none)"));
  INDEX.runs.forEach((r, i) => b.append(el("option", { value: i }, r.label)));
  a.value = state.a;
  b.value = state.b;
  const changed = () => {
    state.a = Number(a.value);
    state.b = Number(b.value);
    state.classFilter = {};
    if (state.problem === null) renderTable(); else renderProblem();
  };
  a.addEventListener("change", changed);
  b.addEventListener("change", changed);
}

function init() {
  INDEX.problems.forEach((p, i) => { p.order = i; });
  fillRunSelects();
  document.getElementById("search").addEventListener("input", (e) => { state.query = e.target.value; renderTable(); });
  document.getElementById("back").addEventListener("click", closeProblem);
  document.querySelectorAll("#filters input[data-status]").forEach((box) => box.addEventListener("change", () => {
    if (box.checked) state.hidden.delete(box.dataset.status); else state.hidden.add(box.dataset.status);
    state.shown = {};
    renderProblem();
  }));
  document.getElementById("f-flagged").addEventListener("change", (e) => { state.flaggedOnly = e.target.checked; state.shown = {}; renderProblem(); });
  renderTable();
  const m = /^#p=(\d+)$/.exec(location.hash);
  if (m && INDEX.problems[Number(m[1])]) openProblem(Number(m[1]));
}

init();
