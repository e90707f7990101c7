// Opens the wasm-fetch page in headless Chromium and checks what its Rust
// module reports, against what the demo server `serve` sent:
//
// - POST /chat: every event of the answer, in order, intact, ending with
//   `[DONE]`, and the body ended between events.
// - GET /events, with `serve --drop-after N`: across at least 3
//   reconnections, the events are exactly those of serve's /log from where
//   the first connection started to the last event received (none lost,
//   none repeated), each reconnection sent Last-Event-ID (the page's own
//   record, the header as it reached the server, and serve's `connected`
//   event agree), and each connection delivered N events before serve
//   closed it.
// - GET /events from a quiet `serve` (nothing for an hour after the
//   `connected` event): the client drops each connection at its idle
//   timeout and resumes from the last ID.
//
// usage: node browser.mjs SERVE_URL DROP_AFTER QUIET_URL
// SERVE_URL is where `serve` listens, e.g. http://127.0.0.1:8080/; it must
// run with --drop-after DROP_AFTER. QUIET_URL is a second `serve` with
// long --interval-ms and --keep-alive-ms (an hour).

import { chromium } from "playwright-core";

import { launchChromium } from "../../../tests/shared/chromium.mjs";
import { start } from "./server.mjs";

const [serveUrl, dropArg, quietUrl] = process.argv.slice(2);
const DROP_AFTER = Number(dropArg);
if (!serveUrl || !(DROP_AFTER > 0) || !quietUrl) {
  console.error("usage: node browser.mjs SERVE_URL DROP_AFTER QUIET_URL");
  process.exit(2);
}
// At least this many connections: the first and 3 reconnections.
const CONNECTIONS = 5;
// The client's floor on the reconnection time (the client core's default);
// the CI script runs serve with a `retry` below it.
const RETRY_FLOOR_MS = 500;
// serve's `sample` events: each must arrive unchanged.
const SAMPLES = [
  "first line\nsecond line\n\nfourth line, after an empty one",
  "héllo wörld — 你好 — 🎉",
  "",
  " starts with a space",
  "key: value, with a colon",
];
// Many words, JSON escapes and text outside ASCII in one prompt.
const PROMPT =
  'Stream me "forty" words: émoji 🎉, 你好, a\ttab, a back\\slash, a line\nbreak, ' +
  "double  spaces, and then the rest: one two three four five six seven " +
  "eight nine ten eleven twelve thirteen fourteen fifteen sixteen.";

const failures = [];
const checked = [];
function check(ok, message) {
  if (!ok) failures.push(message);
}

// What serve answers to PROMPT: "You said: PROMPT", one event per word
// (each keeping its trailing space), the word in a chat-API delta, the
// word's index as the ID; then `[DONE]`, with no ID of its own.
function expectedChat(prompt) {
  const answer = `You said: ${prompt}`;
  const words = answer.match(/[^ ]* ?/g).filter((word) => word !== "");
  const events = words.map((word, n) => ({
    type: "message",
    data: `{"choices":[{"delta":{"content":${JSON.stringify(word)}},"index":0}]}`,
    lastEventId: String(n),
  }));
  events.push({ type: "message", data: "[DONE]", lastEventId: String(words.length - 1) });
  return events;
}

// The idle timeout on the quiet server, and how many connections to see.
const IDLE_MS = 300;
const QUIET_CONNECTIONS = 3;

const proxy = await start(serveUrl, 0, { split: true });
const quietProxy = await start(quietUrl);
const browser = await launchChromium(chromium);
let chat;
let events;
let states;
let quiet;
let missing;
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => failures.push(`page error: ${error}`));
  page.on("console", (message) => {
    // The one 404 asked for below is logged too.
    const expected = message.location()?.url?.endsWith("/missing");
    if (message.type() === "error" && !expected) {
      failures.push(`console error: ${message.text()}`);
    }
  });
  await page.goto(proxy.url);
  await page.waitForFunction(() => window.demo?.ready, null, { timeout: 30_000 });

  // POST /chat.
  chat = await page.evaluate(async (prompt) => {
    const { complete, reads } = await window.demo.chat(prompt);
    return { complete, reads, events: window.demo.chatEvents.slice() };
  }, PROMPT);

  // GET /events: open, live through CONNECTIONS connections and every
  // sample, then close.
  await page.evaluate(() => window.demo.open({ idleTimeoutMs: 5000 }));
  await page.waitForFunction(
    ({ connections, samples }) => {
      const got = window.demo.events;
      const opened = got.filter((e) => e.type === "connected").length;
      const seen = new Set(got.filter((e) => e.type === "sample").map((e) => e.data));
      return opened >= connections && samples.every((s) => seen.has(s));
    },
    { connections: CONNECTIONS, samples: SAMPLES },
    { timeout: 60_000, polling: 50 },
  );
  await page.evaluate(() => window.demo.close());
  await page.waitForFunction(() => window.demo.states.some((s) => s.state === "closed"), null, {
    timeout: 10_000,
  });
  events = await page.evaluate(() => window.demo.events.slice());
  states = await page.evaluate(() => window.demo.states.slice());

  // A URL that is not a stream: the client fails for good, as an
  // EventSource does, and says why.
  missing = await page.evaluate(async () => {
    window.demo.states = [];
    window.demo.open({ url: "/missing" });
    for (let i = 0; i < 200 && !window.demo.states.some((s) => s.state === "failed"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // Long enough for a reconnection, were there to be one.
    await new Promise((resolve) => setTimeout(resolve, 700));
    return window.demo.states.slice();
  });
  await page.close();

  // The quiet server, from a page of its own origin.
  const quietPage = await browser.newPage();
  quietPage.on("pageerror", (error) => failures.push(`quiet page error: ${error}`));
  await quietPage.goto(quietProxy.url);
  await quietPage.waitForFunction(() => window.demo?.ready, null, { timeout: 30_000 });
  await quietPage.evaluate((idle) => window.demo.open({ idleTimeoutMs: idle }), IDLE_MS);
  await quietPage.waitForFunction(
    (connections) => window.demo.events.filter((e) => e.type === "connected").length >= connections,
    QUIET_CONNECTIONS,
    { timeout: 30_000, polling: 50 },
  );
  await quietPage.evaluate(() => window.demo.close());
  await quietPage.waitForFunction(() => window.demo.states.some((s) => s.state === "closed"), null, {
    timeout: 10_000,
  });
  quiet = await quietPage.evaluate(() => ({
    events: window.demo.events.slice(),
    states: window.demo.states.slice(),
  }));
} finally {
  await browser.close();
  await proxy.close();
  await quietProxy.close();
}

// --- /chat ---
const want = expectedChat(PROMPT);
check(chat.complete === true, "/chat: the body did not end between events");
check(
  chat.events.length === want.length,
  `/chat: ${chat.events.length} events, expected ${want.length}`,
);
for (let i = 0; i < Math.max(chat.events.length, want.length); i++) {
  const got = JSON.stringify(chat.events[i]);
  const expected = JSON.stringify(want[i]);
  check(got === expected, `/chat event ${i}: got ${got}, expected ${expected}`);
}
const text = chat.events
  .filter((e) => e.data !== "[DONE]")
  .map((e) => JSON.parse(e.data).choices[0].delta.content)
  .join("");
check(text === `You said: ${PROMPT}`, `/chat: the words make ${JSON.stringify(text)}`);
// The proxy cut each of serve's chunks (one event each) in three.
check(
  chat.reads > chat.events.length,
  `/chat: ${chat.reads} reads for ${chat.events.length} events: the body did not arrive cut`,
);
checked.push(
  `/chat: ${chat.events.length} events intact and in order, [DONE] last, body complete ` +
    `(the proxy cut each chunk in three: ${chat.reads} reads)`,
);

// --- /events ---
// What serve sent, from its log (through the same proxy path is not
// needed: the log is read from serve directly).
const logText = await (await fetch(new URL("log", serveUrl))).text();
const log = logText
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));

const connected = events.filter((e) => e.type === "connected");
const others = events.filter((e) => e.type !== "connected");
check(connected.length >= 4, `/events: only ${connected.length} connections`);
check(events[0]?.type === "connected", "/events: the first event is not `connected`");

// Each connection: where it resumed, and what it delivered.
let lastSeen = null;
let inConnection = 0;
let connectionIndex = -1;
for (const event of events) {
  if (event.type === "connected") {
    if (connectionIndex >= 0) {
      check(
        inConnection === DROP_AFTER,
        `/events: connection ${connectionIndex + 1} delivered ${inConnection} events before it was dropped, not ${DROP_AFTER}`,
      );
    }
    connectionIndex += 1;
    inConnection = 0;
    const hello = JSON.parse(event.data);
    const sent = proxy.requests[connectionIndex]?.lastEventId ?? null;
    if (connectionIndex === 0) {
      check(hello.resumed_from === null, `/events: the first request sent Last-Event-ID ${hello.resumed_from}`);
      check(sent === null, `/events: the first request reached the server with Last-Event-ID ${sent}`);
    } else {
      check(
        hello.resumed_from === lastSeen,
        `/events: reconnection ${connectionIndex} resumed from ${hello.resumed_from}, the last ID seen was ${lastSeen}`,
      );
      check(
        sent === lastSeen,
        `/events: reconnection ${connectionIndex} sent Last-Event-ID ${sent}, the last ID seen was ${lastSeen}`,
      );
      // serve resumes where the client says: the `connected` event's ID.
      check(
        event.lastEventId === lastSeen,
        `/events: reconnection ${connectionIndex} was answered from ${event.lastEventId}, not ${lastSeen}`,
      );
    }
  } else {
    inConnection += 1;
  }
  lastSeen = event.lastEventId;
}
// The connection open when the page closed the stream.
check(
  inConnection <= DROP_AFTER,
  `/events: the last connection delivered ${inConnection} events, more than ${DROP_AFTER}`,
);
check(
  proxy.requests.length === connected.length,
  `/events: ${proxy.requests.length} requests reached the server, ${connected.length} connections opened`,
);

// Every event the log holds after the first connection's starting point,
// up to the last one received: exactly what arrived, in order.
// IDs are compared as BigInt: serve's may pass 2^53.
const startId = BigInt(connected[0]?.lastEventId ?? -1);
const endId = BigInt(others.at(-1)?.lastEventId ?? -1);
const expected = log
  .filter((e) => BigInt(e.id) > startId && BigInt(e.id) <= endId)
  .map((e) => ({ type: e.type, data: e.data, lastEventId: e.id }));
check(
  log.length > 0 && BigInt(log[0].id) <= startId + 1n,
  "/events: the log no longer holds the first events received",
);
check(
  others.length === expected.length,
  `/events: received ${others.length} events, the log has ${expected.length} in that range`,
);
for (let i = 0; i < Math.max(others.length, expected.length); i++) {
  const got = JSON.stringify(others[i]);
  const exp = JSON.stringify(expected[i]);
  if (got !== exp) {
    check(false, `/events event ${i}: got ${got}, the log says ${exp}`);
    break;
  }
}
const seenSamples = new Set(others.filter((e) => e.type === "sample").map((e) => e.data));
check(
  SAMPLES.every((s) => seenSamples.has(s)),
  "/events: not every sample arrived",
);

// The client's own account: each drop ended between events, nothing was
// skipped, nothing failed, and it was closed by the page.
// serve drops a connection right after its last event: the last one may
// have ended before the page closed it, if it got that far.
const ended = states.filter((s) => s.state === "ended");
const drops = connected.length - 1;
const mayEnd = inConnection === DROP_AFTER ? 1 : 0;
check(
  ended.length >= drops && ended.length <= drops + mayEnd,
  `/events: ${ended.length} ends of body for ${drops} drops (+${mayEnd})`,
);
check(ended.every((s) => s.detail === "complete"), "/events: a body ended inside an event");
for (const bad of ["skipped", "failed", "error", "done"]) {
  const found = states.filter((s) => s.state === bad);
  check(found.length === 0, `/events: state ${bad}: ${JSON.stringify(found)}`);
}
// serve asks a `retry` below the client's floor: the client keeps to the
// floor, and waits that long (less the moment since the drop) before each
// reconnection.
const retries = states.filter((s) => s.state === "retry");
check(
  retries.length === connected.length && retries.every((s) => s.detail === String(RETRY_FLOOR_MS)),
  `/events: retry states ${JSON.stringify(retries)}, expected ${RETRY_FLOOR_MS} for each connection`,
);
const waits = states.filter((s) => s.state === "waiting").map((s) => Number(s.detail));
check(
  waits.length >= drops && waits.every((ms) => ms > RETRY_FLOOR_MS - 100 && ms <= RETRY_FLOOR_MS),
  `/events: waits before reconnecting ${JSON.stringify(waits)}, expected about ${RETRY_FLOOR_MS} ms`,
);
check(states.at(-1)?.state === "closed", `/events: last state ${JSON.stringify(states.at(-1))}`);
checked.push(
  `/events: ${others.length} events over ${connected.length} connections (${connected.length - 1} reconnections, ` +
    `${DROP_AFTER} events each) equal serve's /log, ids ${startId + 1n}..${endId}, none lost or repeated`,
);
checked.push(
  `/events: every reconnection sent Last-Event-ID = the last ID seen (header at the server, ` +
    `and serve's connected.resumed_from); all 5 samples intact`,
);
checked.push(
  `/events: serve's retry clamped to ${RETRY_FLOOR_MS} ms; waits before reconnecting ${Math.min(...waits)}..${Math.max(...waits)} ms`,
);

// --- a failed stream ---
check(
  JSON.stringify(missing) ===
    JSON.stringify([
      { state: "connecting", detail: "" },
      { state: "failed", detail: "the server answered HTTP 404" },
    ]),
  `failure: states for a 404 ${JSON.stringify(missing)}`,
);
checked.push("failure: a 404 fails the stream for good, once, with its reason, and no reconnection");

// --- the idle timeout ---
// Each connection got `connected` and then nothing: the client dropped it
// after IDLE_MS and came back with the `connected` event's ID.
const idleDrops = quiet.states.filter(
  (s) => s.state === "error" && s.detail === "nothing arrived for the idle timeout",
);
const quietConnected = quiet.events.filter((e) => e.type === "connected");
check(
  quiet.events.length === quietConnected.length,
  `idle: events other than connected arrived: ${JSON.stringify(quiet.events)}`,
);
check(
  idleDrops.length >= QUIET_CONNECTIONS - 1,
  `idle: ${idleDrops.length} idle drops for ${quietConnected.length} connections`,
);
for (let i = 1; i < quietConnected.length; i++) {
  const before = quietConnected[i - 1].lastEventId;
  const resumed = JSON.parse(quietConnected[i].data).resumed_from;
  check(resumed === before, `idle: reconnection ${i} resumed from ${resumed}, not ${before}`);
}
// A request whose answer is slower than the idle timeout is dropped too,
// before any event: requests and connections need not pair up, but each
// request carried the ID the client meant to send, and after the first
// event, always the last one.
const connecting = quiet.states.filter((s) => s.state === "connecting").map((s) => s.detail || null);
const sentIds = quietProxy.requests.map((r) => r.lastEventId);
check(
  JSON.stringify(connecting) === JSON.stringify(sentIds),
  `idle: the client sent ${JSON.stringify(connecting)}, the server got ${JSON.stringify(sentIds)}`,
);
// The quiet server's head never moves: every `connected` carries one ID.
const firstId = quietConnected[0]?.lastEventId;
const resuming = sentIds.slice(Math.max(0, sentIds.findIndex((id) => id !== null)));
check(
  resuming.length >= quietConnected.length - 1 && resuming.every((id) => id === firstId),
  `idle: the requests after the first event sent ${JSON.stringify(resuming)}, not ${firstId}`,
);
const quietBad = quiet.states.filter(
  (s) => ["ended", "failed", "skipped", "done"].includes(s.state) ||
    (s.state === "error" && !idleDrops.includes(s)),
);
check(quietBad.length === 0, `idle: unexpected states ${JSON.stringify(quietBad)}`);
checked.push(
  `idle: a silent stream dropped after ${IDLE_MS} ms ${idleDrops.length} times, ` +
    `each reconnection resumed from the last ID (${quietConnected.length} connections)`,
);

if (failures.length > 0) {
  console.error(`wasm-fetch: FAILED (${failures.length}):`);
  for (const failure of failures.slice(0, 30)) console.error(`  ${failure}`);
  process.exit(1);
}
for (const line of checked) console.log(`wasm-fetch: ok: ${line}`);
