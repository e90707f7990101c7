// The package in a real browser: headless Chromium (Debian's, driven by
// playwright-core) loads index.js and the module from a loopback server,
// then parses random hostile streams two ways: fetched from the server
// (sent in random pieces, as a slow network would) through events() over
// the Response body, and fed to createParser in random chunks. Both must
// report what the native parser reports.
//
//   node test/browser.mjs [--seed 1]
//
// Needs /usr/bin/chromium (or $CHROMIUM) and the reference program (built
// by cargo, as in differential.mjs). Listens on 127.0.0.1 only.
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { launchChromium } from "../../tests/shared/chromium.mjs";

import { compare, random, reference, referenceBinary, stream } from "./streams.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..");
const at = process.argv.indexOf("--seed");
const SEED = at === -1 ? 1 : Number(process.argv[at + 1]);
const rng = random(SEED);

// Streams: a few of each kind, about 4 MB in all.
const streams = [];
for (let i = 0; i < 12; i++) {
  const valid = i % 3 === 0;
  streams.push({
    bytes: stream(rng, rng.logInt(1000, 600_000), { valid }),
    dataCap: rng.pick([16 << 20, 65536, 100]),
    metaCap: rng.pick([4096, 8]),
    comments: i % 2 === 0,
  });
}
const expected = reference(referenceBinary(), streams);

const page = `<!doctype html>
<meta charset="utf-8">
<title>sse-wire-wasm in the browser</title>
<script type="module">
  import { init, createParser, events } from "/pkg/index.js";
  window.ready = init().then(() => true);
  window.sse = { createParser, events };
</script>`;

const files = {
  "/pkg/index.js": ["text/javascript", readFileSync(path.join(root, "index.js"))],
  "/pkg/sse_wire.wasm": ["application/wasm", readFileSync(path.join(root, "sse_wire.wasm"))],
};

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  } else if (files[url.pathname]) {
    const [type, body] = files[url.pathname];
    res.writeHead(200, { "content-type": type });
    res.end(body);
  } else if (url.pathname.startsWith("/stream/")) {
    const s = streams[Number(url.pathname.slice(8))];
    if (!s) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    // Random pieces, a few with a pause, so that the body arrives cut.
    const pieces = random(s.bytes.length);
    for (let from = 0; from < s.bytes.length; ) {
      const size = pieces.logInt(1, 65536);
      res.write(s.bytes.subarray(from, from + size));
      from += size;
      if (pieces.chance(0.02)) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    res.end();
  } else {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await launchChromium(chromium);
const failures = [];
let checked = 0;
try {
  const tab = await browser.newPage();
  tab.on("pageerror", (error) => failures.push(`page error: ${error}`));
  await tab.goto(base);
  await tab.waitForFunction(() => window.ready, null, { timeout: 30_000 });
  const results = await tab.evaluate(
    async ({ options }) => {
      const { createParser, events } = window.sse;
      const fields = ["event data", "event type", "event id"];
      const out = [];
      for (let i = 0; i < options.length; i++) {
        const { dataCap, metaCap, comments, seed } = options[i];
        // 1. events() over a fetch Response body; other results by callback.
        const viaFetch = [];
        const others = [];
        const response = await fetch(`/stream/${i}`);
        for await (const event of events(response.body, {
          maxEventSize: dataCap,
          maxIdSize: metaCap,
          onRetry: (ms) => others.push({ retry: ms }),
          onComment: comments ? (text) => others.push({ comment: text }) : undefined,
          onError: (error) => others.push({ error: fields.indexOf(error.field), capacity: error.limit }),
        })) {
          viaFetch.push(event);
        }
        // 2. createParser, the whole body fed in random chunks.
        const bytes = new Uint8Array(await (await fetch(`/stream/${i}`)).arrayBuffer());
        const got = [];
        const parser = createParser({
          onEvent: (event) => got.push(event),
          onRetry: (ms) => got.push({ retry: ms }),
          onComment: comments ? (text) => got.push({ comment: text }) : undefined,
          onError: (error) => got.push({ error: fields.indexOf(error.field), capacity: error.limit }),
          maxEventSize: dataCap,
          maxIdSize: metaCap,
        });
        let state = seed;
        for (let at = 0; at < bytes.length; ) {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          const size = 1 + (state % (1 << (state % 17)));
          parser.feed(bytes.subarray(at, at + size));
          at += size;
        }
        got.push({ last_event_id: parser.lastEventId });
        parser.free();
        out.push({ viaFetch, others, got, length: bytes.length });
      }
      return out;
    },
    { options: streams.map((s, i) => ({ dataCap: s.dataCap, metaCap: s.metaCap, comments: s.comments, seed: SEED * 1000 + i })) },
  );
  for (let i = 0; i < streams.length; i++) {
    const { viaFetch, others, got, length } = results[i];
    if (length !== streams[i].bytes.length) failures.push(`stream ${i}: fetched ${length} bytes of ${streams[i].bytes.length}`);
    const chunked = compare(got, expected[i]);
    if (chunked) failures.push(`stream ${i}, fed in chunks: item ${chunked.at}: ${JSON.stringify(chunked.got)?.slice(0, 200)} against ${JSON.stringify(chunked.expected)?.slice(0, 200)}`);
    // events() yields events only; the rest came by callback, in order.
    const events = expected[i].filter((item) => "data" in item);
    const rest = expected[i].filter((item) => !("data" in item) && !("last_event_id" in item));
    const a = compare([...viaFetch, { last_event_id: "" }], [...events, { last_event_id: "" }]);
    const b = compare([...others, { last_event_id: "" }], [...rest, { last_event_id: "" }]);
    if (a) failures.push(`stream ${i}, events() over fetch: event ${a.at}: ${JSON.stringify(a.got)?.slice(0, 200)} against ${JSON.stringify(a.expected)?.slice(0, 200)}`);
    if (b) failures.push(`stream ${i}, events() over fetch, callbacks: item ${b.at}: ${JSON.stringify(b.got)} against ${JSON.stringify(b.expected)}`);
    checked += got.length;
  }
  await tab.close();
} finally {
  await browser.close();
  server.close();
}
if (failures.length > 0) {
  console.error(`browser: FAILED (seed ${SEED}):\n  ${failures.slice(0, 10).join("\n  ")}`);
  console.log("browser: 0 passed, 1 failed");
  process.exit(1);
}
const total = streams.reduce((n, s) => n + s.bytes.length, 0);
console.log(`browser: Chromium ${browser.version()}: ${streams.length} streams, ${(total / 1e6).toFixed(1)} MB, ${checked} results, each the native parser's, through fetch + events() and through createParser`);
console.log("browser: 1 passed, 0 failed");
