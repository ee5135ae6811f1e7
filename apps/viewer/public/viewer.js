// The viewer's page: plain JavaScript, no framework. It listens to /api/stream (Server-Sent
// Events) and redraws the part of the page an event changed. The URL's hash names the open saga
// (#saga=<order id>), so a timeline can be linked to and the browser's back button works.
// Loaded as a module: strict, and run once the document is parsed.
const state = {
  lanes: ["order", "user", "payment", "delivery"],
  sagas: new Map(),
  deadLetters: new Map(),
  groups: null,
  selected: null,
  /** The open saga's timeline, as last received. */
  view: null,
};

const $ = (id) => document.getElementById(id);

/** A DOM element: h("td", { class: "x" }, "text", child…); strings become text, never HTML. */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const shortId = (id) => (id ? id.slice(0, 8) : "—");
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : "—");
const duration = (ms) => (ms === null || ms === undefined ? "—" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`);
const since = (ms) => `+${duration(Math.max(0, ms))}`;
const statusChip = (status) => h("span", { class: `status ${status}` }, status);
/** A reason's last line: what a multi-line error (Prisma's quote the code) comes down to. */
const headline = (reason) => reason.split("\n").map((line) => line.trim()).filter(Boolean).at(-1) || reason;
/** The reason's headline, and the whole of it behind a disclosure when it is longer. */
const reasonOf = (reason) => [headline(reason), headline(reason) !== reason.trim() ? h("details", {}, h("summary", {}, "full reason"), h("pre", { class: "full-reason" }, reason)) : null];
/** The event in words, its reason (when it carries one) in bold. */
function summaryOf(step, orderId) {
  const text = step.summary.replaceAll(orderId, shortId(orderId));
  const at = step.reason ? text.lastIndexOf(step.reason) : -1;
  if (at < 0) return [text, step.reason ? h("strong", { class: "reason" }, ` reason: ${step.reason}`) : null];
  return [text.slice(0, at), h("strong", { class: "reason" }, step.reason), text.slice(at + step.reason.length)];
}

// ---- Live connection

function connect() {
  const source = new EventSource("/api/stream");
  const connection = $("connection");
  source.onopen = () => {
    connection.textContent = "live";
    connection.className = "connection live";
  };
  source.onerror = () => {
    connection.textContent = "connection lost; reconnecting…";
    connection.className = "connection down";
  };
  source.addEventListener("snapshot", (message) => {
    const snapshot = JSON.parse(message.data);
    state.lanes = snapshot.lanes;
    state.sagas = new Map(snapshot.sagas.map((s) => [s.orderId, s]));
    state.deadLetters = new Map(snapshot.deadLetters.map((d) => [d.id, d]));
    state.groups = snapshot.groups;
    renderDemo(snapshot.demo);
    $("footer").textContent = `Following ${snapshot.topics.saga.join(", ")} and ${snapshot.topics.deadLetter.join(", ")}, from the beginning.`;
    renderSagas();
    renderDeadLetters();
    renderGroups();
    if (state.selected) void openSaga(state.selected);
  });
  source.addEventListener("saga", (message) => {
    const view = JSON.parse(message.data);
    const { steps: _steps, deadLetters: _deadLetters, lanes: _lanes, ...summary } = view;
    state.sagas.set(view.orderId, summary);
    scheduleSagas();
    if (view.orderId === state.selected) {
      state.view = view;
      renderTimeline();
    }
  });
  source.addEventListener("dead-letter", (message) => {
    const deadLetter = JSON.parse(message.data);
    state.deadLetters.set(deadLetter.id, deadLetter);
    renderDeadLetters();
  });
  source.addEventListener("groups", (message) => {
    state.groups = JSON.parse(message.data);
    renderGroups();
  });
}

// ---- Demo buttons

let demoRendered = false;
function renderDemo(triggers) {
  if (demoRendered) return;
  demoRendered = true;
  const box = $("demo-buttons");
  for (const trigger of triggers) {
    box.append(h("button", { type: "button", "data-trigger": trigger.id, title: trigger.toSee.replace(/`/g, ""), onclick: (event) => placeDemo(trigger, event.currentTarget) }, trigger.label));
  }
}

async function placeDemo(trigger, button) {
  const result = $("demo-result");
  button.disabled = true;
  result.className = "result";
  result.textContent = `placing an order: ${trigger.label}…`;
  try {
    const response = await fetch(`/api/demo/${encodeURIComponent(trigger.id)}`, { method: "POST" });
    const body = await response.json();
    if (response.status !== 202) throw new Error(body.message || `answered ${response.status}`);
    result.textContent = `Placed order ${body.id} (${trigger.label}); its timeline is open below.`;
    location.hash = `saga=${body.id}`;
  } catch (error) {
    result.className = "result refused";
    result.textContent = `Could not place the order: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- Sagas list

let sagasScheduled = false;
function scheduleSagas() {
  if (sagasScheduled) return;
  sagasScheduled = true;
  requestAnimationFrame(() => {
    sagasScheduled = false;
    renderSagas();
  });
}

function filters() {
  const form = $("filters");
  return { status: form.status.value, transaction: form.transaction.value, q: form.q.value.trim().toLowerCase(), stuck: form.stuck.checked };
}

function renderSagas() {
  const f = filters();
  const all = [...state.sagas.values()].sort((a, b) => (b.startedAt || "").localeCompare(a.startedAt || ""));
  const shown = all.filter(
    (s) => (!f.status || s.status === f.status) && (!f.transaction || s.transaction === f.transaction) && (!f.q || s.orderId.includes(f.q)) && (!f.stuck || s.waitingDeadLetters > 0),
  );
  const rows = shown.slice(0, 100).map((s) =>
    h(
      "tr",
      { class: s.orderId === state.selected ? "selected" : null, "data-order-id": s.orderId, "data-status": s.status },
      h("td", {}, h("a", { href: `#saga=${s.orderId}`, class: "mono", "aria-current": s.orderId === state.selected ? "true" : null, title: s.orderId }, shortId(s.orderId))),
      h("td", {}, statusChip(s.status), s.waitingDeadLetters > 0 ? h("span", { class: "stuck" }, `waits on ${s.waitingDeadLetters} dead letter${s.waitingDeadLetters > 1 ? "s" : ""}`) : null),
      h("td", {}, s.transaction),
      h("td", { class: "mono nowrap" }, clock(s.startedAt)),
      h("td", { class: "nowrap" }, duration(s.durationMs)),
      h("td", {}, s.stepCount),
    ),
  );
  $("saga-table").tBodies[0].replaceChildren(...rows);
  $("saga-count").textContent =
    all.length === 0 ? "no sagas yet" : `${shown.length} of ${all.length} sagas${shown.length > 100 ? ", the latest 100 shown" : ""}`;
}

// ---- One saga's timeline

async function openSaga(orderId) {
  state.selected = orderId;
  state.view = null;
  renderSagas();
  const response = await fetch(`/api/sagas/${encodeURIComponent(orderId)}`);
  if (state.selected !== orderId) return;
  if (response.ok) state.view = await response.json();
  renderTimeline(response.ok ? null : `No event of order ${orderId} has been seen yet; its timeline appears as soon as one is.`);
}

function renderTimeline(message) {
  const body = $("timeline-body");
  const view = state.view;
  if (!view) {
    body.replaceChildren(h("p", { class: "hint" }, message || "Choose a saga in the list, or place an order."));
    return;
  }
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "order"),
    h("dd", { class: "mono" }, view.orderId),
    h("dt", {}, "status"),
    h("dd", { id: "saga-status", "data-status": view.status }, statusChip(view.status), view.durationMs !== null ? ` after ${duration(view.durationMs)}` : " (running)"),
    h("dt", {}, "transaction"),
    h("dd", { id: "saga-transaction" }, view.transaction),
    h("dt", {}, "started"),
    h("dd", { class: "mono" }, clock(view.startedAt)),
    view.failureReason ? [h("dt", {}, "failure reason"), h("dd", { id: "saga-reason" }, view.failureReason)] : null,
  );
  const start = view.startedAt ? Date.parse(view.startedAt) : 0;
  const rows = [
    ...view.steps.map((step) => ({ at: Date.parse(step.occurredAt), lane: step.producer, row: stepRow(step) })),
    ...view.deadLetters.map((d) => ({ at: d.at ? Date.parse(d.at) : start, lane: d.consumer, row: deadLetterRow(d, start) })),
  ].sort((a, b) => a.at - b.at);
  const table = h(
    "table",
    { class: "lanes", id: "lanes" },
    h("caption", { class: "visually-hidden" }, `The saga of order ${view.orderId}: each event in the lane of the service that produced it, each dead letter in the lane of the service that could not process it.`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "lane-head time" }, "since start"), state.lanes.map((lane) => h("th", { scope: "col", class: "lane-head", "data-lane": lane }, lane)))),
    h("tbody", {}, rows.map((r) => r.row)),
  );
  body.replaceChildren(h("h3", {}, `Order ${shortId(view.orderId)}`), facts, table);
}

function laneCells(lane, content) {
  return state.lanes.map((l) => h("td", { "data-lane": l }, l === lane ? content : null));
}

function stepRow(step) {
  const outcome = step.type === "OrderApproved" ? "outcome-ok" : step.type === "OrderRejected" || step.type === "OrderCancelled" ? "outcome-bad" : null;
  const card = h(
    "div",
    { class: ["step", step.compensation ? "compensation" : null, outcome].filter(Boolean).join(" ") },
    h("span", { class: "type" }, step.type),
    step.compensation ? h("span", { class: "badge undo", title: `undoes ${step.undoes}` }, "compensation") : null,
    step.redrives > 0 ? h("span", { class: "badge redriven" }, `redriven ×${step.redrives}`) : null,
    step.compensation ? h("span", { class: "where" }, `undoes ${step.undoes}`) : null,
    h("span", { class: "where" }, `by ${step.producer} · ${step.topic} · partition ${step.partition} · offset ${step.offset}`),
    h("p", { class: "summary" }, summaryOf(step, state.view.orderId)),
  );
  return h(
    "tr",
    { "data-type": step.type, "data-lane": step.producer, "data-compensation": step.compensation ? "true" : "false" },
    h("th", { scope: "row", class: "since time" }, since(step.sinceStartMs)),
    laneCells(step.producer, card),
  );
}

function deadLetterRow(d, start) {
  const card = h(
    "div",
    { class: "step dead" },
    h("span", { class: "type" }, `${d.eventType || "message"} dead-lettered`),
    h("span", { class: "badge dead" }, "dead letter"),
    d.redrives.length ? h("span", { class: "badge redriven" }, `redriven ×${d.redrives.length}`) : null,
    h("span", { class: "where" }, `by ${d.consumer} · from ${d.source || "?"} · ${d.attempts ?? "?"} attempts`),
    h("p", { class: "reason" }, "reason: ", reasonOf(d.reason)),
  );
  return h("tr", { "data-dead-letter": d.id, "data-lane": d.consumer }, h("th", { scope: "row", class: "since time" }, d.at ? since(Date.parse(d.at) - start) : "—"), laneCells(d.consumer, card));
}

// ---- Dead letters

function renderDeadLetters() {
  const list = [...state.deadLetters.values()].sort((a, b) => (b.at || "").localeCompare(a.at || "") || b.id.localeCompare(a.id));
  const rows = list.map((d) =>
    h(
      "tr",
      { "data-dead-letter": d.id },
      h("td", {}, d.consumer),
      h("td", {}, d.eventType || h("span", { title: d.invalidReason }, "not an event")),
      h("td", {}, d.orderId ? h("a", { href: `#saga=${d.orderId}`, class: "mono", title: d.orderId }, shortId(d.orderId)) : "—"),
      h("td", { class: "reason-cell" }, reasonOf(d.reason)),
      h("td", { class: "mono" }, d.source || "—"),
      h("td", {}, d.attempts ?? "—"),
      h("td", { class: "mono" }, clock(d.at)),
      h("td", { class: "redriven" }, d.redrives.length ? `×${d.redrives.length} (to ${d.redrives.join(", ")})` : "no"),
      h("td", {}, h("button", { type: "button", "aria-label": `Redrive dead letter ${d.id}`, onclick: (event) => redrive({ id: d.id }, event.currentTarget) }, "Redrive")),
    ),
  );
  $("dead-letter-table").tBodies[0].replaceChildren(...rows);
  const waiting = list.filter((d) => d.redrives.length === 0).length;
  $("dead-letter-count").textContent = list.length === 0 ? "no dead letters" : `${list.length} dead letters, ${waiting} never redriven`;
}

async function redrive(body, button) {
  const result = $("redrive-result");
  button.disabled = true;
  result.className = "result";
  result.textContent = "redriving…";
  try {
    const response = await fetch("/api/dead-letters/redrive", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = await response.json();
    if (!response.ok) {
      result.className = "result refused";
      result.textContent = answer.message;
      return;
    }
    const lines = answer.results.map((r) => (r.outcome === "redriven" ? `${r.id}: redriven to ${r.to}${r.note ? ` (${r.note})` : ""}` : `${r.id}: refused: ${r.reason}`));
    if (lines.length === 0) lines.push("no dead letter is waiting");
    if (answer.results.some((r) => r.outcome === "refused")) result.className = "result refused";
    result.replaceChildren(...lines.flatMap((line, i) => (i ? [h("br"), line] : [line])));
  } catch (error) {
    result.className = "result refused";
    result.textContent = `Could not redrive: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- Consumer groups

function renderGroups() {
  const box = $("groups-body");
  if (!state.groups) return;
  box.replaceChildren(
    h(
      "div",
      { class: "group-grid" },
      state.groups.map((group) =>
        h(
          "article",
          { class: "group", "data-group": group.groupId },
          h("h3", {}, group.groupId),
          h("p", {}, `state ${group.state} · ${group.members.length} member${group.members.length === 1 ? "" : "s"} · lag ${group.lag}`),
          h(
            "table",
            { class: "grid" },
            h("caption", { class: "visually-hidden" }, `members of ${group.groupId}`),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "member"), h("th", { scope: "col" }, "host"), h("th", { scope: "col" }, "assigned partitions"))),
            h(
              "tbody",
              {},
              group.members.map((m) =>
                h("tr", {}, h("td", { class: "mono", title: m.memberId }, m.clientId), h("td", {}, m.host.replace(/^\//, "")), h("td", {}, m.assignment.map((a) => `${a.topic}: ${a.partitions.join(", ")}`).join("; ") || "none")),
              ),
            ),
          ),
          h(
            "table",
            { class: "grid" },
            h("caption", { class: "visually-hidden" }, `lag of ${group.groupId} per topic`),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "topic"), h("th", { scope: "col" }, "lag"), h("th", { scope: "col" }, "per partition (committed / end)"))),
            h(
              "tbody",
              {},
              group.topics.map((t) =>
                h("tr", {}, h("td", { class: "mono" }, t.topic), h("td", {}, t.lag), h("td", { class: "mono" }, t.partitions.map((p) => `p${p.partition} ${p.committed ?? "–"}/${p.end}`).join(" · "))),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---- Start

function followHash() {
  const match = /^#saga=([0-9a-f-]{36})$/i.exec(location.hash);
  if (match && match[1] !== state.selected) {
    void openSaga(match[1].toLowerCase());
    $("timeline").focus({ preventScroll: true });
  }
}

$("filters").addEventListener("input", renderSagas);
$("filters").addEventListener("submit", (event) => event.preventDefault());
$("redrive-all").addEventListener("click", (event) => redrive({ all: true }, event.currentTarget));
window.addEventListener("hashchange", followHash);
followHash();
connect();
