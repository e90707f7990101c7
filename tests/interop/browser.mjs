// Opens the demo server `serve`'s page in headless Chromium and checks that its
// EventSource reports exactly what the server sent: every event's type, data
// and lastEventId, across the reconnections that `serve --drop-after` forces.
//
// usage: node browser.mjs BASE_URL
// BASE_URL is where `serve` listens, e.g. http://127.0.0.1:8080/. It must
// run with --drop-after, so that resuming is tested.

import { chromium } from "playwright-core";

import { launchChromium } from "../shared/chromium.mjs";

const base = process.argv[2];
if (!base) {
  console.error("usage: node browser.mjs BASE_URL");
  process.exit(2);
}

// The data of `serve`'s `sample` events: each must reach the page unchanged.
const SAMPLES = [
  "first line\nsecond line\n\nfourth line, after an empty one",
  "héllo wörld — 你好 — 🎉",
  "",
  " starts with a space",
  "key: value, with a colon",
];
const CONNECTIONS = 3;

const failures = [];
function check(ok, message) {
  if (!ok) failures.push(message);
}

// Playwright gives each launch a new, empty profile directory.
const browser = await launchChromium(chromium);
let received;
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => failures.push(`page error: ${error}`));
  await page.goto(base);
  // Wait for the page to have lived through CONNECTIONS connections and seen
  // every sample, then for one more event so the last sample is not the
  // last event.
  await page.waitForFunction(
    ({ connections, samples }) => {
      const got = window.received ?? [];
      const opened = got.filter((e) => e.type === "connected").length;
      const seen = new Set(got.filter((e) => e.type === "sample").map((e) => e.data));
      return opened >= connections && samples.every((s) => seen.has(s));
    },
    { connections: CONNECTIONS, samples: SAMPLES },
    { timeout: 60_000, polling: 50 },
  );
  received = await page.evaluate(() => window.received.slice());
  await page.close();
} finally {
  await browser.close();
}

// What the server sent, from its log.
const response = await fetch(new URL("log", base));
const log = new Map();
for (const line of (await response.text()).split("\n").filter(Boolean)) {
  const event = JSON.parse(line);
  log.set(event.id, event);
}

let previousId = null;
let connections = 0;
for (const event of received) {
  const where = `event ${JSON.stringify(event)}`;
  if (event.type === "connected") {
    connections += 1;
    const hello = JSON.parse(event.data);
    if (connections === 1) {
      check(hello.resumed_from === null, `${where}: the first connection sent a Last-Event-ID`);
    } else {
      // The browser reconnected on its own and sent the last ID it had.
      check(hello.resumed_from === previousId,
        `${where}: Last-Event-ID was ${hello.resumed_from}, expected ${previousId}`);
      check(event.lastEventId === previousId, `${where}: lastEventId changed on reconnecting`);
    }
    previousId = event.lastEventId;
    continue;
  }
  const sent = log.get(event.lastEventId);
  check(sent !== undefined, `${where}: no event with this id in the server's log`);
  if (sent) {
    check(event.type === sent.type, `${where}: type differs from the sent ${sent.type}`);
    check(event.data === sent.data, `${where}: data differs from the sent ${JSON.stringify(sent.data)}`);
  }
  // Resuming loses nothing and repeats nothing: IDs go up by one, also
  // across reconnections.
  if (previousId !== null) {
    check(Number(event.lastEventId) === Number(previousId) + 1,
      `${where}: follows id ${previousId}; an event was lost or repeated`);
  }
  previousId = event.lastEventId;
}
check(connections >= CONNECTIONS, `only ${connections} connections`);
for (const sample of SAMPLES) {
  check(received.some((e) => e.type === "sample" && e.data === sample),
    `sample ${JSON.stringify(sample)} never arrived intact`);
}

const events = received.filter((e) => e.type !== "connected").length;
if (failures.length > 0) {
  console.error(`interop: FAILED, ${failures.length} problem(s):`);
  for (const failure of failures.slice(0, 20)) console.error(`  ${failure}`);
  process.exit(1);
}
console.log(
  `interop: Chromium's EventSource reported all ${events} events as sent ` +
    `(type, data, lastEventId) over ${connections} connections, resuming with Last-Event-ID`,
);
