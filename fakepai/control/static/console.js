// The fakepai web console: one page, hash routes, no dependencies (it works offline).
//
// Reads: /_fakepai/console/* (operations run in process: the console shows what the API returns)
// and the control plane's JSON endpoints. Writes: the control plane's endpoints only, as
// same-origin fetch() calls with JSON bodies (the control plane's CSRF rule); the admin token
// travels as the guard's HttpOnly cookie.
"use strict";

const POLL_MS = 1500;
const PAGE_SIZE = 20;

// ------------------------------------------------------------------ talking to the server

// The admin token (fakepai/control/guard.py): opening /_fakepai/?token=TOKEN once sets an
// HttpOnly cookie that the browser sends with every same-origin request below; the page never
// sees the token. A 401 says how to get the cookie.
function headers(json) {
  const h = {Accept: "application/json"};
  if (json) h["Content-Type"] = "application/json";
  return h;
}

async function getJSON(url) {
  const r = await fetch(url, {headers: headers(false), credentials: "same-origin"});
  const body = await r.json().catch(() => null);
  if (r.status === 401) flash((body && body.error) || "this control plane needs its admin token", true);
  if (!r.ok) throw new Error((body && (body.Message || body.error)) || `${r.status} ${url}`);
  return body;
}

// A control-plane call (POST/PUT/DELETE): JSON body, same origin.
async function send(method, url, body) {
  // Always a JSON body (even `{}` for a DELETE): the control plane's CSRF rule takes JSON only.
  const r = await fetch(url, {method, headers: headers(true), credentials: "same-origin",
                              body: JSON.stringify(body === undefined ? {} : body)});
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new Error((data && (data.error || data.Message)) || `${r.status} ${method} ${url}`);
  return data;
}

// A read-only PAI operation, run in process as `account`; returns what the API returns
// (PaiPlugin's envelope unwrapped to its Data).
async function op(account, product, action, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const body = await getJSON(`/_fakepai/console/call/${enc(account)}/${enc(product)}/${enc(action)}?${q}`);
  return product === "PaiPlugin" ? body.Data : body;
}

async function rawOp(account, product, action, params = {}) {
  const q = new URLSearchParams(params);
  return getJSON(`/_fakepai/console/call/${enc(account)}/${enc(product)}/${enc(action)}?${q}`);
}

// ------------------------------------------------------------------ small helpers

const enc = encodeURIComponent;
const $ = (sel, root = document) => root.querySelector(sel);

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function flash(text, error = false) {
  const el = $("#flash");
  el.textContent = text;
  el.className = error ? "error" : "";
  el.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { el.hidden = true; }, error ? 6000 : 2500);
}

async function act(what, fn) {
  try { const out = await fn(); flash(what); await refresh(); return out; }
  catch (e) { flash(`${what} failed: ${e.message}`, true); }
}

// PAI's time formats: ISO-8601 UTC (PaiStudio, DLC), "YYYY-MM-DD HH:MM:SS" in UTC+8 (PaiPlugin),
// epoch milliseconds (DLC metrics).
function toMs(t) {
  if (t === null || t === undefined || t === "") return null;
  if (typeof t === "number") return t;
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(t)) return Date.parse(t.replace(" ", "T") + "+08:00");
  return Date.parse(t);
}

function ago(ms) {
  if (ms === null || isNaN(ms)) return "—";
  let s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const units = [["d", 86400], ["h", 3600], ["m", 60]];
  const out = [];
  for (const [u, n] of units) if (s >= n) { out.push(`${Math.floor(s / n)}${u}`); s %= n; }
  if (out.length < 2 && s) out.push(`${s}s`);
  return out.slice(0, 2).join(" ");
}

const PLUGIN_STATUS = {0: "Queued", 1: "Submitted", 2: "Running", 3: "Succeeded", 4: "Failed"};
const TERMINAL = /^(Succeed|Succeeded|Failed|Stopped|Deleted)$/;

function statusClass(status) {
  const s = String(status);
  if (/Restart/.test(s)) return "st-restarting";
  if (/^(Succeed|Succeeded|SucceededReserving)$/.test(s)) return "st-succeeded";
  if (/Fail/.test(s)) return "st-failed";
  if (/^Stopping$/.test(s)) return "st-stopping";
  if (/^Stopped$/.test(s)) return "st-stopped";
  if (/^Running$/.test(s)) return "st-running";
  return "st-pending";
}

function badge(status, id) {
  return `<span class="status ${statusClass(status)}"${id ? ` id="${id}"` : ""}>${esc(status)}</span>`;
}

function pluginStatus(code) { return PLUGIN_STATUS[code] ?? String(code); }

const STATUS_COLOURS = {"st-running": "#2f6fde", "st-succeeded": "#1f9d55", "st-failed": "#d23b3b",
  "st-pending": "#8a6bd1", "st-restarting": "#e08a00", "st-stopped": "#6b7385", "st-stopping": "#9aa4b8"};

// ------------------------------------------------------------------ state and routing

const ui = {
  now: Date.now(), speed: 1, overview: null, account: null, workspace: "", product: "all",
  status: "", name: "", pages: {}, jobPage: null, requestFilters: {}, selectedRequest: null,
  usageMonth: "", lastSpeed: 1, refreshing: false, refreshAgain: false,
};

function route() {
  const hash = location.hash.replace(/^#\/?/, "") || "overview";
  const parts = hash.split("/").map(decodeURIComponent);
  return {view: parts[0], args: parts.slice(1)};
}

window.addEventListener("hashchange", () => { ui.jobPage = null; render(); });

async function render() {
  const {view, args} = route();
  document.querySelectorAll("#tabs a").forEach(a => a.classList.toggle("active", a.dataset.view === view));
  const main = $("#view");
  main.dataset.view = view;
  main.innerHTML = "";
  if (view === "job") return renderJob(main, args[0], args[1], args[2]);
  if (view === "faults") return renderFaults(main);
  if (view === "requests") return renderRequests(main);
  if (view === "usage") return renderUsage(main);
  return renderOverview(main);
}

// Each view registers what to redo on every poll; the DOM is patched in place (no flicker).
let viewRefresh = async () => {};

// One refresh at a time; a refresh asked for meanwhile (a control clicked, a view opened) runs
// right after the current one instead of waiting for the next poll.
async function refresh() {
  if (ui.refreshing) { ui.refreshAgain = true; return; }
  ui.refreshing = true;
  try {
    await refreshClock();
    await viewRefresh();
  } catch (e) {
    console.warn(e);
  } finally {
    ui.refreshing = false;
    if (ui.refreshAgain) { ui.refreshAgain = false; setTimeout(refresh, 0); }
  }
}

// ------------------------------------------------------------------ the clock and global controls

async function refreshClock() {
  const c = await getJSON("/_fakepai/clock");
  ui.now = c.epoch * 1000;
  ui.speed = c.speed;
  if (c.speed > 0) ui.lastSpeed = c.speed;
  $("#clock-now").textContent = c.now;
  $("#clock-speed").textContent = c.speed === 0 ? "0 (frozen)" : `${c.speed}×`;
  $("#btn-freeze").textContent = c.speed === 0 ? "Resume" : "Freeze";
}

function wireControls() {
  $("#btn-freeze").onclick = () => ui.speed === 0
    ? act("Clock resumed", () => send("PUT", "/_fakepai/clock", {speed: ui.lastSpeed || 1}))
    : act("Clock frozen", () => send("PUT", "/_fakepai/clock", {speed: 0}));
  $("#btn-advance").onclick = () => {
    const seconds = Number($("#advance-seconds").value);
    return act(`Advanced ${seconds} s`, () => send("POST", "/_fakepai/clock/advance", {seconds}));
  };
  $("#btn-speed").onclick = () => {
    const speed = Number($("#speed-input").value);
    return act(`Speed set to ${speed}`, () => send("PUT", "/_fakepai/clock", {speed}));
  };
  // Two clicks: a reset drops every account's state.
  $("#btn-reset").onclick = () => {
    const b = $("#btn-reset");
    if (b.dataset.armed) {
      delete b.dataset.armed; b.textContent = "Reset";
      return act("Reset: empty state, real time, no faults", () => send("POST", "/_fakepai/reset", {}));
    }
    b.dataset.armed = "1"; b.textContent = "Click again to reset";
    setTimeout(() => { delete b.dataset.armed; b.textContent = "Reset"; }, 3000);
  };
}

// ------------------------------------------------------------------ overview

// One paged table per kind of resource, each read through the product's own List operation.
const TABLES = [
  {key: "trainingJobs", title: "PaiStudio training jobs", product: "PaiStudio", job: true,
   load: (a, ws, f, page) => op(a, "PaiStudio", "ListTrainingJobs", {WorkspaceId: ws, PageNumber: page, PageSize: PAGE_SIZE,
     Status: f.status, TrainingJobName: f.name}).then(r => ({total: r.TotalCount, items: r.TrainingJobs || []})),
   row: j => {
     const created = toMs(j.GmtCreateTime);
     const last = (j.StatusTransitions || []).slice(-1)[0];
     const end = TERMINAL.test(j.Status) && last ? toMs(last.StartTime) : ui.now;
     return {id: j.TrainingJobId, name: j.TrainingJobName, status: j.Status, created, duration: end - created, restarts: "—"};
   }},
  {key: "dlcJobs", title: "DLC jobs", product: "pai-dlc", job: true,
   load: (a, ws, f, page) => op(a, "pai-dlc", "ListJobs", {WorkspaceId: ws, PageNumber: page, PageSize: PAGE_SIZE,
     Status: f.status, DisplayName: f.name}).then(r => ({total: r.TotalCount, items: r.Jobs || []})),
   row: j => ({id: j.JobId, name: j.DisplayName, status: j.Status, created: toMs(j.GmtCreateTime),
               duration: (j.Duration ?? 0) * 1000, restarts: j.RestartTimes ?? "0"})},
  {key: "pluginJobs", title: "PaiPlugin training jobs", product: "PaiPlugin", job: true, noWorkspace: true,
   load: (a, ws, f, page) => op(a, "PaiPlugin", "ListTrainingJobs", {PageNumber: page, PageSize: PAGE_SIZE,
     Name: f.name, Status: pluginStatusCode(f.status)}).then(r => ({total: r.TotalCount, items: r.TrainingJobs || []})),
   row: j => {
     const created = toMs(j.CreatedTime), status = pluginStatus(j.Status);
     const end = TERMINAL.test(status) ? toMs(j.UpdatedTime) : ui.now;
     return {id: j.Id, name: j.Name, status, created, duration: end - created, restarts: "—"};
   }},
  {key: "campaigns", title: "PaiPlugin campaigns", product: "PaiPlugin", noWorkspace: true,
   load: (a, ws, f, page) => op(a, "PaiPlugin", "ListCampaigns", {PageNumber: page, PageSize: PAGE_SIZE, Name: f.name})
     .then(r => ({total: r.TotalCount, items: r.Campaigns || []})),
   columns: ["Name", "Id", "Remark", "Created"],
   cells: c => [esc(c.Name), `<span class="mono">${esc(c.Id)}</span>`, esc(c.Remark), esc(c.CreatedTime)]},
  {key: "jobTemplates", title: "DLC job templates", product: "pai-dlc",
   load: (a, ws, f, page) => op(a, "pai-dlc", "ListJobTemplates", {WorkspaceId: ws, PageNumber: page, PageSize: PAGE_SIZE,
     TemplateName: f.name}).then(async r => ({total: r.TotalCount, items: await Promise.all((r.JobTemplates || []).map(t =>
       // The list shows no versions; GetJobTemplate does.
       op(a, "pai-dlc", "GetJobTemplate", {TemplateId: t.TemplateId}).then(full => ({...t, Versions: full.Versions}), () => t)))})),
   columns: ["Name", "Id", "Default version", "Versions", "Modified"],
   cells: t => [esc(t.TemplateName), `<span class="mono">${esc(t.TemplateId)}</span>`, esc(t.DefaultVersion),
                esc((t.Versions || []).map(v => v.Version).join(", ") || t.DefaultVersion), esc(t.GmtModifyTime)]},
  {key: "tensorboards", title: "TensorBoards", product: "pai-dlc",
   load: (a, ws, f, page) => op(a, "pai-dlc", "ListTensorboards", {WorkspaceId: ws, PageNumber: page, PageSize: PAGE_SIZE,
     DisplayName: f.name}).then(r => ({total: r.TotalCount, items: r.Tensorboards || []})),
   columns: ["Name", "Id", "Status", "Job", "Created"],
   cells: t => [esc(t.DisplayName), `<span class="mono">${esc(t.TensorboardId)}</span>`, badge(t.Status),
                `<span class="mono">${esc(t.JobId)}</span>`, esc(t.GmtCreateTime)]},
  {key: "algorithms", title: "PaiStudio algorithms", product: "PaiStudio",
   load: (a, ws, f, page) => op(a, "PaiStudio", "ListAlgorithms", {WorkspaceId: ws, PageNumber: page, PageSize: PAGE_SIZE,
     AlgorithmName: f.name}).then(r => ({total: r.TotalCount, items: r.Algorithms || []})),
   columns: ["Name", "Id", "Provider", "Display name", "Modified"],
   cells: a => [esc(a.AlgorithmName), `<span class="mono">${esc(a.AlgorithmId)}</span>`, esc(a.AlgorithmProvider || "—"),
                esc(a.DisplayName), esc(a.GmtModifiedTime)]},
  {key: "pluginAlgorithms", title: "PaiPlugin algorithms", product: "PaiPlugin", noWorkspace: true,
   load: (a, ws, f, page) => op(a, "PaiPlugin", "ListAlgorithms", {PageNumber: page, PageSize: PAGE_SIZE, Name: f.name})
     .then(r => ({total: r.TotalCount, items: r.Algorithms || []})),
   columns: ["Name", "Id"],
   cells: a => [esc(a.Name), `<span class="mono">${esc(a.Id)}</span>`]},
];

function pluginStatusCode(text) {
  if (!text) return undefined;
  // "Succeed" (PaiStudio's spelling) finds "Succeeded": one status filter serves every product.
  const hit = Object.entries(PLUGIN_STATUS).find(([, name]) => name.toLowerCase().startsWith(text.toLowerCase()));
  return hit ? hit[0] : text;
}

const STATUSES = ["Creating", "Queuing", "Initializing", "Submitted", "EnvPreparing", "SanityChecking", "Running",
  "Restarting", "Stopping", "Stopped", "Succeed", "Succeeded", "Failed", "Queued"];

async function renderOverview(main) {
  main.innerHTML = `
    <section class="card"><h2>Accounts <span class="count" id="account-count"></span></h2>
      <div class="accounts" id="accounts"><div class="empty">Loading…</div></div></section>
    <div class="filters" id="filters">
      <label>Workspace <select id="f-workspace"></select></label>
      <label>Product <select id="f-product">
        <option value="all">All products</option><option value="PaiStudio">PaiStudio</option>
        <option value="pai-dlc">DLC</option><option value="PaiPlugin">PaiPlugin</option></select></label>
      <label>Status <input id="f-status" list="status-list" placeholder="any" size="12"></label>
      <datalist id="status-list">${STATUSES.map(s => `<option value="${s}">`).join("")}</datalist>
      <label>Name <input id="f-name" placeholder="any" size="16"></label>
    </div>
    <div id="tables">${TABLES.map(t => `
      <section class="card" id="t-${t.key}" data-product="${t.product}">
        <h2>${esc(t.title)} <span class="count"></span></h2>
        <div class="body"><div class="empty">Loading…</div></div>
        <div class="pager"><button type="button" class="prev">‹ Prev</button><span class="where"></span>
          <button type="button" class="next">Next ›</button></div>
      </section>`).join("")}</div>`;
  $("#f-product").value = ui.product;
  $("#f-status").value = ui.status;
  $("#f-name").value = ui.name;
  const changed = () => {
    ui.workspace = $("#f-workspace").value; ui.product = $("#f-product").value;
    ui.status = $("#f-status").value.trim(); ui.name = $("#f-name").value.trim();
    ui.pages = {};
    refresh();
  };
  ["#f-workspace", "#f-product"].forEach(s => $(s).onchange = changed);
  ["#f-status", "#f-name"].forEach(s => $(s).oninput = debounce(changed, 250));
  for (const t of TABLES) {
    const sec = $(`#t-${t.key}`);
    sec.querySelector(".prev").onclick = () => { ui.pages[t.key] = Math.max(1, (ui.pages[t.key] || 1) - 1); refresh(); };
    sec.querySelector(".next").onclick = () => { ui.pages[t.key] = (ui.pages[t.key] || 1) + 1; refresh(); };
  }
  viewRefresh = refreshOverview;
  await refresh();
}

function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }

async function refreshOverview() {
  const o = await getJSON("/_fakepai/console/overview");
  ui.overview = o;
  const accounts = o.accounts;
  if (!accounts.find(a => a.account === ui.account)) {
    const demo = accounts.find(a => a.account === "test");
    ui.account = (demo || accounts[0] || {}).account || null;
  }
  $("#account-count").textContent = `${accounts.length}`;
  $("#accounts").innerHTML = accounts.length ? accounts.map(a => {
    const c = a.counts;
    return `<div class="account${a.account === ui.account ? " selected" : ""}" data-account="${esc(a.account)}">
      <div class="id">${esc(a.account)}</div>
      <div class="counts">${c.trainingJobs} training · ${c.dlcJobs} DLC · ${c.pluginJobs} plugin jobs ·
        ${c.campaigns} campaigns · ${c.jobTemplates} templates · ${c.tensorboards} TensorBoards</div>
      <div class="counts">workspaces: ${esc(a.workspaces.join(", ") || "—")}</div></div>`;
  }).join("") : `<div class="empty">No account has called yet${o.demo ? "" : " (start with --demo for a demo workspace)"}.</div>`;
  document.querySelectorAll("#accounts .account").forEach(el => el.onclick = () => {
    ui.account = el.dataset.account; ui.workspace = ""; ui.pages = {}; refresh();
  });
  const account = accounts.find(a => a.account === ui.account);
  const workspaces = account ? account.workspaces : [];
  if (ui.workspace && !workspaces.includes(ui.workspace)) ui.workspace = "";
  if (!ui.workspace && workspaces.length) ui.workspace = workspaces[0];
  const wsSelect = $("#f-workspace");
  const options = workspaces.map(w => `<option value="${esc(w)}">${esc(w)}</option>`).join("") || `<option value="">(none)</option>`;
  if (wsSelect.dataset.options !== options) { wsSelect.innerHTML = options; wsSelect.dataset.options = options; }
  wsSelect.value = ui.workspace;
  await Promise.all(TABLES.map(t => refreshTable(t)));
}

async function refreshTable(t) {
  const sec = $(`#t-${t.key}`);
  if (!sec) return;
  const shown = ui.account && (ui.product === "all" || ui.product === t.product) && (t.noWorkspace || ui.workspace);
  sec.hidden = !shown;
  if (!shown) return;
  const page = ui.pages[t.key] || 1;
  let result;
  try {
    result = await t.load(ui.account, ui.workspace, {status: ui.status, name: ui.name}, page);
  } catch (e) {
    sec.querySelector(".body").innerHTML = `<div class="empty">${esc(e.message)}</div>`;
    return;
  }
  const total = Number(result.total || 0);
  sec.querySelector(".count").textContent = String(total);
  const first = total ? (page - 1) * PAGE_SIZE + 1 : 0;
  sec.querySelector(".where").textContent = `${first}–${Math.min(total, page * PAGE_SIZE)} of ${total}`;
  sec.querySelector(".prev").disabled = page <= 1;
  sec.querySelector(".next").disabled = page * PAGE_SIZE >= total;
  let html;
  if (!result.items.length) {
    html = `<div class="empty">None${ui.status || ui.name ? " matching the filters" : ""}.</div>`;
  } else if (t.job) {
    const rows = result.items.map(t.row);
    html = `<table><thead><tr><th>Name</th><th>Id</th><th>Status</th><th>Age</th><th>Duration</th><th>Restarts</th></tr></thead><tbody>` +
      rows.map(r => `<tr class="clickable job-row" data-id="${esc(r.id)}" data-href="#/job/${enc(ui.account)}/${enc(t.product)}/${enc(r.id)}">
        <td><a href="#/job/${enc(ui.account)}/${enc(t.product)}/${enc(r.id)}">${esc(r.name)}</a></td>
        <td class="mono">${esc(r.id)}</td><td>${badge(r.status)}</td><td>${ago(ui.now - r.created)}</td>
        <td>${ago(r.duration)}</td><td>${esc(r.restarts)}</td></tr>`).join("") + `</tbody></table>`;
  } else {
    html = `<table><thead><tr>${t.columns.map(c => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>` +
      result.items.map(item => `<tr>${t.cells(item).map(c => `<td>${c}</td>`).join("")}</tr>`).join("") + `</tbody></table>`;
  }
  const body = sec.querySelector(".body");
  if (body.dataset.html !== html) { body.innerHTML = html; body.dataset.html = html; }
  body.querySelectorAll("tr.job-row").forEach(tr => tr.onclick = e => { if (e.target.tagName !== "A") location.hash = tr.dataset.href; });
}

// ------------------------------------------------------------------ charts (inline SVG)

const SERIES_COLOURS = ["#2f6fde", "#d23b3b", "#1f9d55", "#e08a00", "#8a6bd1", "#0aa5b5", "#6b7385", "#c2185b"];

function niceTicks(lo, hi, n = 4) {
  if (!(hi > lo)) { hi = lo + 1; }
  const step0 = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0);
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(+v.toPrecision(6));
  return ticks;
}

function fmtTime(ms) { return new Date(ms).toISOString().slice(11, 19); }

// series: [{name, points: [[ms, value], ...]}] -> an SVG line chart with time on x.
function lineChart(series, {height = 200, unit = ""} = {}) {
  const W = 640, H = height, L = 52, R = 12, T = 10, B = 26;
  const pts = series.flatMap(s => s.points);
  if (!pts.length) return `<div class="empty">No data points yet.</div>`;
  let x0 = Math.min(...pts.map(p => p[0])), x1 = Math.max(...pts.map(p => p[0]));
  let y0 = Math.min(...pts.map(p => p[1])), y1 = Math.max(...pts.map(p => p[1]));
  if (x1 === x0) x1 = x0 + 1000;
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - R), Y = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  let svg = `<svg viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" role="img">`;
  for (const v of niceTicks(y0, y1)) {
    svg += `<line x1="${L}" x2="${W - R}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eef0f4"/>` +
           `<text x="${L - 6}" y="${Y(v) + 4}" font-size="11" text-anchor="end" fill="#6b7385">${esc(v)}${esc(unit)}</text>`;
  }
  for (let i = 0; i <= 4; i++) {
    const x = x0 + (x1 - x0) * i / 4;
    const anchor = i === 0 ? "start" : i === 4 ? "end" : "middle";
    svg += `<text x="${X(x)}" y="${H - 8}" font-size="11" text-anchor="${anchor}" fill="#6b7385">${fmtTime(x)}</text>`;
  }
  svg += `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#b8c0cf"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#b8c0cf"/>`;
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    svg += `<path class="series" data-series="${esc(s.name)}" d="${d}" fill="none" stroke="${SERIES_COLOURS[i % SERIES_COLOURS.length]}" stroke-width="1.6"/>`;
  });
  svg += `</svg>`;
  const legend = `<div class="legend">${series.map((s, i) => `<span><i style="background:${SERIES_COLOURS[i % SERIES_COLOURS.length]}"></i>${esc(s.name)}</span>`).join("")}</div>`;
  return svg + legend;
}

// The plan along the virtual clock: a bar per phase (reached ones solid, planned ones faded),
// a line at "now".
function timelineChart(plan) {
  const phases = plan.phases;
  if (!phases.length) return `<div class="empty">No phases.</div>`;
  const now = plan.now;
  const start = phases[0].start;
  const lastStart = phases[phases.length - 1].start;
  const end = Math.max(now, lastStart) + Math.max(30, (Math.max(now, lastStart) - start) * 0.08);
  const W = 900, H = 86, L = 10, R = 10, T = 18, BAR = 26;
  const X = t => L + (t - start) / (end - start) * (W - L - R);
  let svg = `<svg viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" role="img">`;
  phases.forEach(p => {
    const x = X(p.start), x2 = X(p.end ?? end), colour = STATUS_COLOURS[statusClass(p.status)];
    const title = `${p.status} from ${new Date(p.start * 1000).toISOString()}${p.end ? ` for ${ago((p.end - p.start) * 1000)}` : ""}` +
                  `${p.reasonMessage ? ` — ${p.reasonMessage}` : ""}${p.reached ? "" : " (planned)"}`;
    svg += `<g class="phase" data-status="${esc(p.status)}" data-reached="${p.reached}"><title>${esc(title)}</title>` +
           `<rect x="${x}" y="${T}" width="${Math.max(1, x2 - x)}" height="${BAR}" fill="${colour}" opacity="${p.reached ? 1 : 0.35}" stroke="#fff"/>`;
    if (x2 - x > 50) svg += `<text x="${x + 4}" y="${T + 17}" font-size="11" fill="#fff">${esc(p.status)}</text>`;
    svg += `</g>`;
  });
  const xn = X(now);
  svg += `<line x1="${xn}" x2="${xn}" y1="4" y2="${T + BAR + 6}" stroke="#1d2430" stroke-width="2"/>` +
         `<text x="${Math.min(xn + 3, W - 60)}" y="12" font-size="11" fill="#1d2430">now ${fmtTime(now * 1000)}</text>`;
  svg += `<text x="${L}" y="${H - 6}" font-size="11" fill="#6b7385">${fmtTime(start * 1000)}</text>` +
         `<text x="${W - R}" y="${H - 6}" font-size="11" text-anchor="end" fill="#6b7385">${fmtTime(end * 1000)}</text></svg>`;
  const legend = `<div class="legend">${phases.map(p => p.status).filter((s, i, a) => a.indexOf(s) === i)
    .map(s => `<span><i style="background:${STATUS_COLOURS[statusClass(s)]}"></i>${esc(s)}</span>`).join("")}<span class="muted">faded: planned, not reached yet</span></div>`;
  const steps = phases.map(p => `<span class="${p.reached ? "" : "muted"}">${esc(p.status)} ${fmtTime(p.start * 1000)}` +
    `${p.reasonCode ? ` (${esc(p.reasonCode)})` : ""}</span>`).join(" → ");
  return svg + legend + `<div class="phases">${steps}</div>`;
}

// ------------------------------------------------------------------ a job's page

const PRODUCT_JOB = {
  PaiStudio: {get: "GetTrainingJob", idParam: "TrainingJobId", name: j => j.TrainingJobName, status: j => j.Status},
  "pai-dlc": {get: "GetJob", idParam: "JobId", name: j => j.DisplayName, status: j => j.Status},
  PaiPlugin: {get: "GetTrainingJob", idParam: "Id", name: j => j.Data && j.Data.Name, status: j => j.Data && pluginStatus(j.Data.Status)},
};

async function renderJob(main, account, product, jobId) {
  const kind = PRODUCT_JOB[product];
  if (!kind) { main.innerHTML = `<div class="empty">Unknown product ${esc(product)}.</div>`; return; }
  ui.jobPage = {account, product, jobId, logPage: null, logWindowEnd: null, follow: true, metricType: "GpuCoreUsage", target: ""};
  main.innerHTML = `
    <div class="job-head"><a href="#/overview">‹ Overview</a><h1 id="job-name">${esc(jobId)}</h1>
      <span id="job-status-wrap"></span><span class="mono muted">${esc(jobId)}</span>
      <span class="muted">${esc(product)} · account ${esc(account)}</span></div>
    <section class="card"><h2>Timeline <span class="count" id="outcome-text"></span></h2><div id="timeline"></div>
      <div class="toolbar" id="outcome-form">Script the outcome:
        <select id="o-result"><option>succeed</option><option>fail</option><option>hang</option><option>timeout</option></select>
        after <input id="o-after" type="number" min="0" step="any" placeholder="s" size="6"> s
        in phase <input id="o-phase" placeholder="Running" size="10">
        reason code <input id="o-reason" placeholder="optional" size="14">
        <button type="button" id="btn-outcome">Apply</button></div></section>
    <div class="grid-details">
      <section class="card"><h2>Details</h2><dl class="kv" id="details"></dl></section>
      <section class="card"><h2 id="pods-title">Pods and their lives</h2><div id="pods"></div></section>
    </div>
    <section class="card" id="logs"><h2>Logs <span class="count" id="log-where"></span></h2>
      <div class="toolbar"><label>Instance/pod <select id="log-target"></select></label>
        <button type="button" id="log-older">‹ Older</button><button type="button" id="log-newer">Newer ›</button>
        <label><input type="checkbox" id="log-follow" checked> follow the tail</label></div>
      <pre class="log" id="log-lines"></pre></section>
    <section class="card" id="metrics"><h2>Metrics</h2><div class="grid2" id="metric-charts"></div></section>
    <div class="grid2">
      <section class="card"><h2>Events</h2><div id="events"></div></section>
      <section class="card"><h2>Output models &amp; sanity checks</h2><div id="outputs"></div></section>
    </div>
    <section class="card"><h2>Raw ${esc(kind.get)} response</h2><pre class="json" id="raw"></pre></section>`;
  $("#btn-outcome").onclick = () => {
    const spec = {result: $("#o-result").value};
    if ($("#o-after").value !== "") spec.after = Number($("#o-after").value);
    if ($("#o-phase").value.trim()) spec.phase = $("#o-phase").value.trim();
    if ($("#o-reason").value.trim()) spec.reasonCode = $("#o-reason").value.trim();
    return act(`Outcome scripted: ${spec.result}`, () => send("PUT", `/_fakepai/jobs/${enc(jobId)}/outcome`, spec));
  };
  $("#log-older").onclick = () => { ui.jobPage.follow = false; $("#log-follow").checked = false; shiftLogs(-1); };
  $("#log-newer").onclick = () => shiftLogs(+1);
  $("#log-follow").onchange = e => { ui.jobPage.follow = e.target.checked; refresh(); };
  $("#log-target").onchange = e => { ui.jobPage.target = e.target.value; ui.jobPage.logPage = null; ui.jobPage.logWindowEnd = null; refresh(); };
  viewRefresh = refreshJob;
  await refresh();
}

function setHTML(sel, html) {
  const el = $(sel);
  if (el && el.dataset.html !== html) { el.innerHTML = html; el.dataset.html = html; }
}

function setText(sel, text) {
  const el = $(sel);
  if (el && el.textContent !== text) el.textContent = text;
}

async function refreshJob() {
  const p = ui.jobPage;
  if (!p) return;
  const kind = PRODUCT_JOB[p.product];
  const [raw, plan] = await Promise.all([
    rawOp(p.account, p.product, kind.get, {[kind.idParam]: p.jobId}).catch(e => ({error: e.message})),
    getJSON(`/_fakepai/console/plan/${enc(p.account)}/${enc(p.jobId)}`).catch(() => null),
  ]);
  if (raw.error) { setHTML("#details", `<dd>${esc(raw.error)}</dd>`); return; }
  const job = p.product === "PaiPlugin" ? raw.Data : raw;
  p.job = job;
  setText("#job-name", kind.name(raw) || p.jobId);
  setHTML("#job-status-wrap", badge(kind.status(raw), "job-status"));
  setText("#raw", JSON.stringify(raw, null, 2));
  if (plan) {
    // PaiPlugin's statuses are numbers in the API (and its plan): name them as the list does.
    if (p.product === "PaiPlugin") plan.phases.forEach(ph => { ph.status = pluginStatus(ph.status); });
    setHTML("#timeline", timelineChart(plan));
    const o = plan.outcome;
    setText("#outcome-text", o ? `scripted: ${o.result}${o.phase ? ` in ${o.phase}` : ""}${o.after != null ? ` after ${o.after}s` : ""}` +
      `${o.restarts ? `, restarts ${JSON.stringify(o.restarts)}` : ""}` : "");
  }
  await Promise.all([refreshDetails(p, job), refreshLogs(p, job), refreshMetrics(p, job), refreshEvents(p, job), refreshOutputs(p, job)]);
}

function kv(pairs) {
  return pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("");
}

async function refreshDetails(p, job) {
  if (p.product === "PaiStudio") {
    setHTML("#details", kv([["Workspace", esc(job.WorkspaceId)], ["Algorithm", esc(`${job.AlgorithmName} ${job.AlgorithmVersion || ""}`)],
      ["Created", esc(job.GmtCreateTime)], ["Duration", ago((job.Duration || 0) * 1000)],
      ["Compute", esc(JSON.stringify(job.ComputeResource))], ["Reason", esc(job.ReasonMessage || job.ReasonCode)],
      ["Latest metrics", esc((job.LatestMetrics || []).map(m => `${m.Name}=${m.Value}`).join(", "))]]));
    setText("#pods-title", "Instances");
    setHTML("#pods", table(["Instance", "Role", "Status"], (job.Instances || []).map(i => [esc(i.Name), esc(i.Role), badge(i.Status)])));
  } else if (p.product === "pai-dlc") {
    setHTML("#details", kv([["Workspace", esc(job.WorkspaceId)], ["Type", esc(job.JobType)], ["Created", esc(job.GmtCreateTime)],
      ["Duration", ago((job.Duration || 0) * 1000)], ["Restarts", esc(job.RestartTimes)], ["Command", `<span class="mono">${esc(job.UserCommand)}</span>`],
      ["Reason", esc(job.ReasonMessage || job.ReasonCode)]]));
    const rows = [];
    for (const pod of job.Pods || []) {
      rows.push([`<span class="mono">${esc(pod.PodId)}</span>`, `<span class="mono">${esc(pod.PodUid)}</span>`, badge(pod.Status), esc(pod.NodeName), esc(pod.GmtStartTime), esc(pod.GmtFinishTime || "—")]);
      for (const life of pod.HistoryPods || []) {
        rows.push([`<span class="muted">↳ earlier life</span>`, `<span class="mono">${esc(life.PodUid)}</span>`, badge(life.Status), esc(life.NodeName), esc(life.GmtStartTime), esc(life.GmtFinishTime || "—")]);
      }
    }
    setHTML("#pods", table(["Pod", "Life (PodUid)", "Status", "Node", "Started", "Finished"], rows));
  } else {
    setHTML("#details", kv([["Algorithm", esc(job.Algorithm)], ["Campaign", `<span class="mono">${esc(job.CampaignId)}</span>`],
      ["Data", esc(job.DataPath)], ["Created", esc(job.CreatedTime)], ["Updated", esc(job.UpdatedTime)], ["Has model", esc(job.HasModelInfo)]]));
    setText("#pods-title", "Instances");
    setHTML("#pods", `<div class="empty">PaiPlugin does not show instances.</div>`);
  }
}

function table(headers, rows) {
  if (!rows.length) return `<div class="empty">None.</div>`;
  return `<table><thead><tr>${headers.map(h => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map(r => `<tr>${r.map(c => `<td>${c}</td>`).join("")}</tr>`).join("") + `</tbody></table>`;
}

// Log targets: PaiStudio instances, DLC pods (each life by PodUid).
function logTargets(p, job) {
  if (p.product === "PaiStudio") return (job.Instances || []).map(i => ({value: i.Name, label: i.Name}));
  if (p.product === "pai-dlc") {
    const out = [];
    for (const pod of job.Pods || []) {
      out.push({value: `${pod.PodId}|${pod.PodUid}`, label: `${pod.PodId} (current life)`, pod});
      (pod.HistoryPods || []).forEach((life, i) => out.push({value: `${pod.PodId}|${life.PodUid}`, label: `${pod.PodId} (earlier life ${i + 1})`, pod: life}));
    }
    return out;
  }
  return [{value: "history", label: "History"}];
}

const LOG_PAGE = 60;            // PaiStudio lines per page
const LOG_WINDOW_S = 600;       // DLC: a page is ten minutes of the pod's log

function shiftLogs(direction) {
  const p = ui.jobPage;
  if (p.product === "PaiStudio") p.logPage = Math.max(1, (p.logPage || 1) + direction);
  else if (p.product === "pai-dlc") p.logWindowEnd = (p.logWindowEnd || ui.now / 1000) + direction * LOG_WINDOW_S;
  if (direction > 0) p.follow = false;
  refresh();
}

async function refreshLogs(p, job) {
  const targets = logTargets(p, job);
  const options = targets.map(t => `<option value="${esc(t.value)}">${esc(t.label)}</option>`).join("");
  const select = $("#log-target");
  if (select.dataset.options !== options) { select.innerHTML = options; select.dataset.options = options; }
  if (!targets.find(t => t.value === p.target)) p.target = targets.length ? targets[0].value : "";
  select.value = p.target;
  if (!p.target) { setText("#log-lines", "(no instance or pod yet)"); setText("#log-where", ""); return; }
  if (p.product === "PaiStudio") {
    const probe = await op(p.account, "PaiStudio", "ListTrainingJobLogs", {TrainingJobId: p.jobId, InstanceId: p.target, PageSize: LOG_PAGE, PageNumber: 1});
    const total = Number(probe.TotalCount || 0), pages = Math.max(1, Math.ceil(total / LOG_PAGE));
    if (p.follow || !p.logPage || p.logPage > pages) p.logPage = pages;
    const fetchPage = n => n === 1 ? probe : op(p.account, "PaiStudio", "ListTrainingJobLogs",
      {TrainingJobId: p.jobId, InstanceId: p.target, PageSize: LOG_PAGE, PageNumber: n});
    const page = await fetchPage(p.logPage);
    let lines = page.Logs || [];
    // The tail page may hold a few lines only: show the page before it too.
    if (p.logPage > 1 && lines.length < LOG_PAGE / 2) lines = [...((await fetchPage(p.logPage - 1)).Logs || []), ...lines];
    setText("#log-lines", lines.join("\n") || "(no lines yet)");
    if (p.follow) { const pre = $("#log-lines"); pre.scrollTop = pre.scrollHeight; }
    setText("#log-where", `page ${p.logPage} of ${pages} · ${total} lines`);
  } else if (p.product === "pai-dlc") {
    const [podId, podUid] = p.target.split("|");
    const life = targets.find(t => t.value === p.target).pod;
    const finished = toMs(life.GmtFinishTime);
    const last = (finished ? Math.min(finished, ui.now) : ui.now) / 1000;
    if (p.follow || !p.logWindowEnd || p.logWindowEnd > last) p.logWindowEnd = last;
    const end = p.logWindowEnd, start = end - LOG_WINDOW_S;
    const iso = s => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const r = await op(p.account, "pai-dlc", "GetPodLogs", {JobId: p.jobId, PodId: podId, PodUid: podUid,
      StartTime: iso(start), EndTime: iso(end), MaxLines: 1000});
    setText("#log-lines", (r.Logs || []).join("\n") || "(no lines in these ten minutes)");
    if (p.follow) { const pre = $("#log-lines"); pre.scrollTop = pre.scrollHeight; }
    setText("#log-where", `${iso(start)} – ${iso(end)}`);
  } else {
    setText("#log-lines", job.History || "(no history yet)");
    setText("#log-where", "the job's History");
  }
}

// Up to 12 pages of a paged metric list, spread over its whole length: the curve's shape without
// fetching every point of a long run.
async function metricSeries(p, name) {
  const params = {TrainingJobId: p.jobId, Name: name, PageSize: 100, Order: "asc"};
  const first = await op(p.account, "PaiStudio", "ListTrainingJobMetrics", {...params, PageNumber: 1});
  const pages = Math.ceil(Number(first.TotalCount || 0) / 100);
  const wanted = [];
  const picks = Math.min(pages, 12);
  for (let i = 1; i < picks; i++) wanted.push(1 + Math.round(i * (pages - 1) / Math.max(1, picks - 1)));
  const rest = await Promise.all([...new Set(wanted)].filter(n => n > 1).map(n =>
    op(p.account, "PaiStudio", "ListTrainingJobMetrics", {...params, PageNumber: n})));
  const points = [first, ...rest].flatMap(r => r.Metrics || []).filter(m => m.Name === name)
    .map(m => [toMs(m.Timestamp), m.Value]).sort((a, b) => a[0] - b[0]);
  return {name, points};
}

const RESOURCE_METRICS = ["GpuCoreUsage", "GpuMemoryUsage", "CpuCoreUsage", "MemoryUsage", "NetworkInputRate",
  "NetworkOutputRate", "DiskReadRate", "DiskWriteRate"];

function timeStep(startMs, endMs) {
  const span = Math.max(60, (endMs - startMs) / 1000);
  return `${Math.max(10, Math.ceil(span / 200 / 10) * 10)}s`;
}

async function refreshMetrics(p, job) {
  const terminalDone = p.metricsDrawn && TERMINAL.test(PRODUCT_JOB[p.product].status(p.product === "PaiPlugin" ? {Data: job} : job));
  if (terminalDone && !p.metricTypeChanged) return;        // a finished job's plots no longer change
  p.metricTypeChanged = false;
  const iso = ms => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const picker = `<label>Resource metric <select id="metric-type">${RESOURCE_METRICS.map(m =>
    `<option${m === p.metricType ? " selected" : ""}>${m}</option>`).join("")}</select></label>`;
  let charts = [];
  if (p.product === "PaiStudio") {
    const names = ((job.AlgorithmSpec || {}).MetricDefinitions || []).map(d => d.Name);
    for (const n of (job.LatestMetrics || []).map(m => m.Name)) if (!names.includes(n)) names.push(n);
    const series = await Promise.all(names.map(n => metricSeries(p, n)));
    charts = series.map(s => ({title: `Training metric: ${s.name}`, html: lineChart([s])}));
    const created = toMs(job.GmtCreateTime);
    const r = await op(p.account, "PaiStudio", "ListTrainingJobInstanceMetrics", {TrainingJobId: p.jobId, MetricType: p.metricType,
      StartTime: iso(created), EndTime: iso(ui.now), TimeStep: timeStep(created, ui.now)}).catch(e => ({error: e.message}));
    charts.push({title: picker, html: r.error ? `<div class="empty">${esc(r.error)}</div>` :
      lineChart((r.InstanceMetrics || []).map(i => ({name: i.InstanceId, points: (i.Metrics || []).map(m => [toMs(m.Time), m.Value])})))});
  } else if (p.product === "pai-dlc") {
    const created = toMs(job.GmtCreateTime);
    const r = await op(p.account, "pai-dlc", "GetJobMetrics", {JobId: p.jobId, MetricType: p.metricType,
      StartTime: iso(created), EndTime: iso(ui.now), TimeStep: timeStep(created, ui.now)}).catch(e => ({error: e.message}));
    charts.push({title: picker, html: r.error ? `<div class="empty">${esc(r.error)}</div>` :
      lineChart((r.PodMetrics || []).map(pm => ({name: pm.PodId, points: (pm.Metrics || []).map(m => [toMs(m.Time), m.Value])})))});
  } else {
    charts.push({title: "Metrics", html: `<div class="empty">PaiPlugin reports no metrics.</div>`});
  }
  setHTML("#metric-charts", charts.map(c => `<div class="chart"><div class="title">${c.title}</div>${c.html}</div>`).join(""));
  const select = $("#metric-type");
  if (select) select.onchange = e => { p.metricType = e.target.value; p.metricTypeChanged = true; refresh(); };
  p.metricsDrawn = true;
}

async function refreshEvents(p, job) {
  let lines = [];
  if (p.product === "PaiStudio") {
    const r = await op(p.account, "PaiStudio", "ListTrainingJobEvents", {TrainingJobId: p.jobId, PageSize: 100});
    lines = r.Events || [];
  } else if (p.product === "pai-dlc") {
    const r = await op(p.account, "pai-dlc", "GetJobEvents", {JobId: p.jobId, MaxEventsNum: 200});
    lines = r.Events || [];
  } else {
    lines = (job.History || "").split("\n").filter(Boolean);
  }
  setHTML("#events", lines.length ? `<pre class="log">${esc(lines.join("\n"))}</pre>` : `<div class="empty">No events yet.</div>`);
}

async function refreshOutputs(p, job) {
  let html = "";
  if (p.product === "PaiStudio") {
    const r = await op(p.account, "PaiStudio", "ListTrainingJobOutputModels", {TrainingJobId: p.jobId});
    html += `<h3>Output models</h3>` + table(["Name", "Uri"], (r.OutputModels || []).map(m => [esc(m.OutputChannelName || m.Name), `<span class="mono">${esc(m.Uri)}</span>`]));
    if (job.Status === "Failed") {
      const e = await op(p.account, "PaiStudio", "GetTrainingJobErrorInfo", {TrainingJobId: p.jobId}).catch(() => null);
      if (e && e.ErrorInfo) html += `<h3>Error info</h3><pre class="json">${esc(JSON.stringify(e.ErrorInfo, null, 2))}</pre>`;
    }
    html += `<h3>Sanity checks</h3><div class="empty">PaiStudio training jobs run no sanity checks.</div>`;
  } else if (p.product === "pai-dlc") {
    const r = await op(p.account, "pai-dlc", "ListJobSanityCheckResults", {JobId: p.jobId});
    html += `<h3>Sanity checks</h3>` + table(["#", "Phase", "Status", "Message", "Started", "Finished"],
      (r.SanityCheckResults || []).flatMap(round => (Array.isArray(round) ? round : [round])).map(s =>
        [esc(s.CheckNumber), esc(s.Phase), badge(s.Status || "—"), esc(s.Message), esc(s.StartedAt), esc(s.FinishedAt)]));
    html += `<h3>Output models</h3><div class="empty">DLC jobs write to their data sources; no model registry entry.</div>`;
  } else {
    html += `<h3>Output model</h3><div>${job.HasModelInfo ? "A model is ready (HasModelInfo)." : "No model yet."}</div>`;
  }
  setHTML("#outputs", html);
}

// ------------------------------------------------------------------ faults

async function renderFaults(main) {
  main.innerHTML = `
    <section class="card"><h2>Inject a fault</h2>
      <div class="toolbar" id="fault-form">
        <label>Product <input id="fa-product" placeholder="any" size="10"></label>
        <label>Action <input id="fa-action" placeholder="e.g. GetTrainingJob" size="18"></label>
        <label>Status <input id="fa-status" type="number" placeholder="503" size="5"></label>
        <label>Code <input id="fa-code" placeholder="ServiceUnavailable" size="18"></label>
        <label>Times <input id="fa-times" type="number" min="1" placeholder="∞" size="4"></label>
        <label>Latency ms <input id="fa-latency" type="number" min="0" placeholder="0" size="6"></label>
        <button type="button" id="btn-add-fault">Inject</button></div>
      <p class="muted">Calls POST /_fakepai/faults. A fault fires on the next matching API call; the table counts how often.</p></section>
    <section class="card"><h2>Faults <span class="count" id="fault-count"></span>
      <button type="button" id="btn-clear-faults" class="danger">Clear all</button></h2><div id="faults"></div></section>`;
  $("#btn-add-fault").onclick = () => {
    const spec = {};
    const text = (id, key) => { const v = $(id).value.trim(); if (v) spec[key] = v; };
    const num = (id, key) => { const v = $(id).value.trim(); if (v) spec[key] = Number(v); };
    text("#fa-product", "product"); text("#fa-action", "action"); num("#fa-status", "status");
    text("#fa-code", "code"); num("#fa-times", "times"); num("#fa-latency", "latency_ms");
    return act("Fault injected", () => send("POST", "/_fakepai/faults", spec));
  };
  $("#btn-clear-faults").onclick = () => act("Faults cleared", () => send("DELETE", "/_fakepai/faults"));
  viewRefresh = refreshFaults;
  await refresh();
}

async function refreshFaults() {
  const {faults} = await getJSON("/_fakepai/faults");
  setText("#fault-count", String(faults.length));
  setHTML("#faults", faults.length ? `<table><thead><tr><th>Id</th><th>Product</th><th>Action</th><th>Status</th><th>Code</th>
    <th>Latency ms</th><th>Times</th><th>Matched</th><th>Fired</th><th>Remaining</th><th></th></tr></thead><tbody>` +
    faults.map(f => `<tr class="fault-row" data-id="${f.id}"><td>${f.id}</td><td>${esc(f.product || "*")}</td><td>${esc(f.action || "*")}</td>
      <td>${esc(f.status ?? "")}</td><td>${esc(f.code || "")}</td><td>${esc(f.latency_ms)}</td><td>${esc(f.times ?? "∞")}</td>
      <td>${f.matched}</td><td class="fired">${f.fired}</td><td>${esc(f.remaining ?? "∞")}</td>
      <td><button type="button" class="remove" data-id="${f.id}">Remove</button></td></tr>`).join("") + `</tbody></table>`
    : `<div class="empty">No faults injected.</div>`);
  document.querySelectorAll("#faults button.remove").forEach(b =>
    b.onclick = () => act(`Fault ${b.dataset.id} removed`, () => send("DELETE", `/_fakepai/faults/${b.dataset.id}`)));
}

// ------------------------------------------------------------------ requests

async function renderRequests(main) {
  const f = ui.requestFilters;
  main.innerHTML = `
    <div class="filters">
      <label>Action <input id="rq-action" size="18" value="${esc(f.action || "")}"></label>
      <label>Status <select id="rq-status"><option value="">any</option><option>2xx</option><option>4xx</option><option>5xx</option></select></label>
      <label>Account <input id="rq-account" size="14" value="${esc(f.account || "")}"></label>
      <label>Error code <input id="rq-code" size="18" value="${esc(f.code || "")}"></label>
    </div>
    <div class="grid2"><section class="card"><h2>Requests <span class="count" id="rq-count"></span></h2><div id="requests"></div></section>
      <section class="card"><h2>Detail</h2><div id="rq-detail"><div class="empty">Click a request.</div></div>
        <p class="muted">The log keeps who, what and how it went; never a header, query string, body or credential.</p></section></div>`;
  $("#rq-status").value = f.status || "";
  const changed = () => {
    ui.requestFilters = {action: $("#rq-action").value.trim(), status: $("#rq-status").value,
                         account: $("#rq-account").value.trim(), code: $("#rq-code").value.trim()};
    refresh();
  };
  ["#rq-action", "#rq-account", "#rq-code"].forEach(s => $(s).oninput = debounce(changed, 250));
  $("#rq-status").onchange = changed;
  viewRefresh = refreshRequests;
  await refresh();
}

async function refreshRequests() {
  const q = new URLSearchParams({limit: "200"});
  for (const [k, v] of Object.entries(ui.requestFilters)) if (v) q.set(k, v);
  const {requests} = await getJSON(`/_fakepai/requests?${q}`);
  requests.reverse();
  ui.requests = requests;
  setText("#rq-count", `${requests.length} shown (newest first)`);
  setHTML("#requests", requests.length ? `<table><thead><tr><th>Time</th><th>Account</th><th>Action</th><th>Status</th><th>Error</th><th>ms</th></tr></thead><tbody>` +
    requests.map(r => `<tr class="clickable rq-row" data-rid="${esc(r.request_id)}"><td>${esc(r.time)}</td><td>${esc(r.account || "")}</td>
      <td>${esc(r.product || "")} ${esc(r.action || r.path)}</td><td>${badge(r.status, null).replace(/st-[a-z]+/, r.status < 400 ? "st-succeeded" : r.status < 500 ? "st-restarting" : "st-failed")}</td>
      <td>${esc(r.error_code || "")}</td><td>${esc(r.latency_ms)}</td></tr>`).join("") + `</tbody></table>` : `<div class="empty">No requests yet.</div>`);
  document.querySelectorAll("#requests tr.rq-row").forEach(tr => tr.onclick = () => { ui.selectedRequest = tr.dataset.rid; showRequest(); });
  showRequest();
}

function showRequest() {
  const r = (ui.requests || []).find(x => x.request_id === ui.selectedRequest);
  if (!r) return;
  setHTML("#rq-detail", `<dl class="kv">${kv(Object.entries(r).map(([k, v]) => [k, esc(v ?? "—")]))}</dl>`);
}

// ------------------------------------------------------------------ usage and cost

async function renderUsage(main) {
  main.innerHTML = `
    <section class="card"><h2>Estimated bill <span class="count" id="usage-month"></span></h2>
      <div class="toolbar"><label>Month <select id="usage-select"></select></label></div>
      <div class="grid2"><div><div class="muted">Requests</div><div class="big" id="usage-requests">…</div></div>
        <div><div class="muted">Estimated cost</div><div class="big" id="usage-cost">…</div></div></div>
      <p class="muted" id="usage-pricing"></p></section>
    <div id="usage-accounts"></div>`;
  $("#usage-select").onchange = e => { ui.usageMonth = e.target.value; refresh(); };
  viewRefresh = refreshUsage;
  await refresh();
}

async function refreshUsage() {
  const u = await getJSON(`/_fakepai/usage${ui.usageMonth ? `?month=${enc(ui.usageMonth)}` : ""}`);
  const pr = u.pricing;
  setText("#usage-month", `${u.month} (virtual clock)`);
  const months = [...new Set([...u.months, u.month])].sort();
  const options = months.map(m => `<option value="${esc(m)}">${esc(m)}</option>`).join("");
  const sel = $("#usage-select");
  if (sel.dataset.options !== options) { sel.innerHTML = options; sel.dataset.options = options; }
  sel.value = u.month;
  setText("#usage-requests", String(u.requests));
  setText("#usage-cost", `${u.cost.toFixed(3)} ${pr.currency}`);
  setText("#usage-pricing", `Every request counts, failed ones included. Free: ${pr.freeRequestsPerMonth} requests a month ${pr.quotaScope}; ` +
    `then ${pr.pricePerRequest} ${pr.currency} per request (the seed's Pricing & Billing).`);
  setHTML("#usage-accounts", u.accounts.length ? u.accounts.map(a => `<section class="card"><h2>${esc(a.account)}
      <span class="count">${a.requests} requests · ${a.billableRequests} billable · ${a.cost.toFixed(3)} ${esc(pr.currency)}</span></h2>` +
    table(["Product", "Operation", "Requests", "Free", "Billable", `Cost (${pr.currency})`], a.operations.map(o =>
      [esc(o.product), esc(o.action), o.requests, o.freeRequests, o.billableRequests, o.cost.toFixed(3)])) + `</section>`).join("")
    : `<section class="card"><div class="empty">No requests this month.</div></section>`);
}

// ------------------------------------------------------------------ start

wireControls();
render();
setInterval(refresh, POLL_MS);
