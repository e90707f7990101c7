// The package's API tests in Node, on the module cargo built.
//   node wasm/test.mjs [path/to/sse_wire_wasm.wasm]
// Without a path: $CARGO_TARGET_DIR's (or wasm/target's) release build for
// wasm32-unknown-unknown, else sse_wire.wasm next to this file (npm run
// build puts it there).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  createParser,
  encode,
  events,
  EventSourceParser,
  EventTooLargeError,
  initSync,
  isReady,
} from "./node.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(
  process.env.CARGO_TARGET_DIR ? path.resolve(here, process.env.CARGO_TARGET_DIR) : path.join(here, "target"),
  "wasm32-unknown-unknown/release/sse_wire_wasm.wasm",
);
const wasmPath = process.argv[2] ?? (existsSync(built) ? built : path.join(here, "sse_wire.wasm"));
const bytes = readFileSync(wasmPath);
const utf8 = new TextEncoder();

test("a parser before the module is loaded is a clear error", () => {
  assert.equal(isReady(), false);
  assert.throws(() => createParser({}), /call `await init\(\)`/);
});

test("the module needs no imports", () => {
  assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(bytes)), []);
  initSync(bytes);
  assert.equal(isReady(), true);
});

/** Feeds `chunks` to a new parser; returns everything it reported, in order. */
function collect(chunks, options = {}) {
  const seen = [];
  const parser = createParser({
    onEvent: (event) => seen.push(event),
    onRetry: (ms) => seen.push({ retry: ms }),
    onComment: options.comments ? (text) => seen.push({ comment: text }) : undefined,
    onError: (error) => seen.push({ error: error.message }),
    ...options,
  });
  for (const chunk of chunks) parser.feed(chunk);
  const result = { seen, lastEventId: parser.lastEventId };
  parser.free();
  return result;
}

function cut(stream, size) {
  const chunks = [];
  for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
  return chunks;
}

// A stream with a BOM, CRLF split across chunks, UTF-8 split across chunks,
// a retry hint, a comment, multi-line data and an unfinished last event.
const stream = utf8.encode(
  "\uFEFFretry: 1500\r\n\r\n: hi\r\nid: 7\r\nevent: delta\r\ndata: Gr\u00fc\u00df\r\ndata: \u20ac\r\n\r\ndata: tail",
);

test("events, retries and comments, in 3-byte chunks", () => {
  const { seen, lastEventId } = collect(cut(stream, 3), { comments: true });
  assert.deepEqual(seen, [
    { retry: 1500 },
    { comment: "hi" },
    { type: "delta", data: "Gr\u00fc\u00df\n\u20ac", id: "7" },
  ]);
  assert.equal(lastEventId, "7");
});

test("every chunk size gives the same results", () => {
  const whole = collect([stream], { comments: true }).seen;
  for (let size = 1; size <= stream.length; size++) {
    assert.deepEqual(collect(cut(stream, size), { comments: true }).seen, whole, `chunks of ${size}`);
  }
});

test("comments are not reported without onComment", () => {
  assert.deepEqual(collect([stream]).seen.length, 2);
});

test("an event over the limit is reported and skipped; the next one arrives", () => {
  const big = utf8.encode(`id: 7\n\ndata: ${"x".repeat(20000)}\n\ndata: after\n\n`);
  const { seen } = collect([big], { maxEventSize: 16384 });
  assert.equal(seen.length, 2);
  assert.match(seen[0].error, /event data longer than the parser's limit of 16384 bytes/);
  assert.deepEqual(seen[1], { type: "message", data: "after", id: "7" });

  const id = collect([utf8.encode("id: 123456789\n\nevent: abcdefghi\ndata\n\nid: 1\n\n")], { maxIdSize: 8 });
  assert.match(id.seen[0].error, /event id longer than the parser's limit of 8 bytes/);
  assert.match(id.seen[1].error, /event type longer/);
  assert.equal(id.lastEventId, "1");
});

test("without onError, feed parses the whole chunk, then throws", () => {
  const seen = [];
  const parser = createParser({ onEvent: (e) => seen.push(e.data), maxEventSize: 4 });
  const chunk = utf8.encode("data: a\n\ndata: too long\n\ndata: b\n\ndata: longer still\n\ndata: c\n\n");
  assert.throws(
    () => parser.feed(chunk),
    (error) => error instanceof EventTooLargeError && error.field === "event data" && error.limit === 4,
  );
  assert.deepEqual(seen, ["a", "b", "c"]);
  parser.feed("data: d\n\n");
  assert.deepEqual(seen, ["a", "b", "c", "d"]);
  parser.free();
});

test("reset() starts a new stream and keeps the last event ID", () => {
  const seen = [];
  const parser = createParser({ onEvent: (e) => seen.push(e) });
  parser.feed("id: 7\n\ndata: cut off");
  parser.reset();
  parser.feed(utf8.encode("\uFEFFdata: again\n\n"));
  assert.deepEqual(seen, [{ type: "message", data: "again", id: "7" }]);
  assert.equal(parser.lastEventId, "7");
  parser.free();
});

test("large chunks: nothing lost whatever their size or event count", () => {
  // The cases that lost data through the fixed output buffer before.
  const thousand = Array.from({ length: 1000 }, (_, i) => `id: ${i}\ndata: ${"y".repeat(95)}\n\n`).join("");
  assert.equal(utf8.encode(thousand).length > 105_000, true);
  const a = collect([utf8.encode(thousand)]).seen;
  assert.equal(a.length, 1000);
  assert.deepEqual(a[999], { type: "message", data: "y".repeat(95), id: "999" });
  const empty = utf8.encode("data:\n\n".repeat(8700));
  const b = collect([empty]).seen;
  assert.equal(b.length, 8700);
  assert.ok(b.every((e) => e.data === "" && e.type === "message"));
  // 3 MiB in one chunk: more than the module takes in one call.
  const many = utf8.encode("data: z\n\n".repeat(350_000));
  assert.equal(collect([many]).seen.length, 350_000);
  // An event of 5 MiB, fed whole and in chunks of 65,537 bytes.
  const line = utf8.encode(`data: ${"\u00e9".repeat(2_621_440)}\n\n`);
  for (const chunks of [[line], cut(line, 65_537)]) {
    const [event] = collect(chunks).seen;
    assert.equal(event.data.length, 2_621_440);
    assert.equal(event.data, "\u00e9".repeat(2_621_440));
  }
});

test("strings: surrogate pairs and BOMs survive any cut between characters", () => {
  const text = "data: \uFEFFa\u{1F600}b\u00e9\r\n\r\nevent: \u{10FFFF}\ndata:x\n\n";
  const whole = collect([utf8.encode(text)]).seen;
  assert.deepEqual(whole, [
    { type: "message", data: "\uFEFFa\u{1F600}b\u00e9", id: "" },
    { type: "\u{10FFFF}", data: "x", id: "" },
  ]);
  for (let at = 0; at <= text.length; at++) {
    if (at > 0 && /[\uD800-\uDBFF]/.test(text[at - 1])) continue; // not inside a pair
    assert.deepEqual(collect([text.slice(0, at), text.slice(at)]).seen, whole, `cut at ${at}`);
  }
  // A string longer than one window.
  assert.equal(collect(["data: \u{1F600}\n\n".repeat(60_000)]).seen.length, 60_000);
});

test("invalid UTF-8 becomes U+FFFD; ids with NUL are ignored; bad retries too", () => {
  const input = new Uint8Array([
    ...utf8.encode("id: 1\ndata: a"), 0xff, 0xc3, ...utf8.encode("b\n"),
    ...utf8.encode("id: 2\0x\nretry: 12a\nretry: 18446744073709551615\nretry: 18446744073709551616\n\n"),
  ]);
  const { seen, lastEventId } = collect(cut(input, 1));
  assert.deepEqual(seen, [
    { retry: 18446744073709551615 },
    { type: "message", data: "a\uFFFD\uFFFDb", id: "1" },
  ]);
  assert.equal(lastEventId, "1");
});

test("many parsers at once, fed in turns, stay apart", () => {
  const outputs = [[], [], []];
  const parsers = outputs.map((out, i) => createParser({ onEvent: (e) => out.push(`${e.type}/${e.data}/${e.id}`) }));
  const streams = outputs.map((_, i) => utf8.encode(`event: t${i}\nid: ${i}\ndata: p${i}\n\n`.repeat(50)));
  for (let at = 0; at < streams[0].length; at += 5) {
    parsers.forEach((parser, i) => parser.feed(streams[i].subarray(at, at + 5)));
  }
  outputs.forEach((out, i) => {
    assert.equal(out.length, 50);
    assert.ok(out.every((line) => line === `t${i}/p${i}/${i}`));
  });
  for (const parser of parsers) parser.free();
});

test("a callback may feed another parser, not its own", () => {
  const inner = [];
  const other = createParser({ onEvent: (e) => inner.push(e.data) });
  const outer = [];
  const parser = createParser({
    onEvent: (e) => {
      outer.push(e.data);
      other.feed(`data: inner ${e.data}\n\n`);
    },
  });
  parser.feed("data: 1\n\ndata: 2\n\n");
  assert.deepEqual(outer, ["1", "2"]);
  assert.deepEqual(inner, ["inner 1", "inner 2"]);
  const selfish = createParser({ onEvent: () => selfish.feed("data: x\n\n") });
  assert.throws(() => selfish.feed("data: 1\n\n"), /own callback/);
  for (const p of [other, parser, selfish]) p.free();
});

test("free(), Symbol.dispose and handles reused", () => {
  const parser = createParser({});
  assert.ok(parser instanceof EventSourceParser);
  parser.free();
  parser.free(); // twice: nothing
  assert.throws(() => parser.feed("data: x\n\n"), /freed/);
  assert.throws(() => parser.reset(), /freed/);
  const seen = [];
  {
    const disposed = createParser({ onEvent: (e) => seen.push(e.data) });
    disposed.feed("data: 1\n\n");
    disposed[Symbol.dispose]();
    assert.throws(() => disposed.feed("data: 2\n\n"), /freed/);
  }
  assert.deepEqual(seen, ["1"]);
  // 10 000 parsers made and freed, one after the other.
  for (let i = 0; i < 10_000; i++) createParser({}).free();
});

test("options are checked", () => {
  assert.throws(() => createParser({ onEvent: 1 }), TypeError);
  assert.throws(() => createParser({ maxEventSize: -1 }), RangeError);
  assert.throws(() => createParser({ maxEventSize: 1.5 }), RangeError);
  const parser = createParser({});
  assert.throws(() => parser.feed(42), TypeError);
  parser.free();
});

test("events() over a ReadableStream and a fetch Response", async () => {
  const text = "retry: 10\n\nid: 1\ndata: a\n\nevent: x\ndata: b\n\ndata: cut";
  const body = () =>
    new ReadableStream({
      start(controller) {
        for (const chunk of cut(utf8.encode(text), 4)) controller.enqueue(chunk);
        controller.close();
      },
    });
  const retries = [];
  const got = [];
  for await (const event of events(body(), { onRetry: (ms) => retries.push(ms) })) got.push(event);
  assert.deepEqual(got, [
    { type: "message", data: "a", id: "1" },
    { type: "x", data: "b", id: "1" },
  ]);
  assert.deepEqual(retries, [10]);
  const viaResponse = [];
  for await (const event of events(new Response(body()).body)) viaResponse.push(event);
  assert.deepEqual(viaResponse, got);
});

test("events(): breaking out cancels the stream; errors end it after its events", async () => {
  let cancelled = false;
  const endless = new ReadableStream({
    pull(controller) {
      controller.enqueue(utf8.encode("data: tick\n\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  let n = 0;
  for await (const _ of events(endless)) if (++n === 3) break;
  assert.equal(cancelled, true);

  const seen = [];
  await assert.rejects(async () => {
    for await (const event of events(["data: ok\n\ndata: far too long\n\ndata: ok2\n\n"], { maxEventSize: 4 })) {
      seen.push(event.data);
    }
  }, EventTooLargeError);
  assert.deepEqual(seen, ["ok", "ok2"]);
});

test("encode(): events, comments, retries, and the refusals", () => {
  assert.equal(encode({ type: "up", id: "8", data: "a\r\nb" }), "event: up\nid: 8\ndata: a\ndata: b\n\n");
  assert.equal(encode({ data: "" }), "data:\n\n");
  assert.equal(encode({ id: "9" }), "id: 9\n\n");
  assert.equal(encode({ comment: "keep-alive" }), ": keep-alive\n");
  assert.equal(encode({ retry: 2500 }), "retry: 2500\n");
  assert.equal(encode({ data: "\u{1F600}".repeat(100_000) }).length, 2 * 100_000 + 8);
  assert.throws(() => encode({ type: "a\nb", data: "x" }), /event type with a line break/);
  assert.throws(() => encode({ id: "1\r", data: "x" }), /event id with a line break/);
  assert.throws(() => encode({ id: "1\0", data: "x" }), /event id with NUL/);
  assert.throws(() => encode({ retry: -1 }), RangeError);
  assert.throws(() => encode({ data: 5 }), TypeError);
  // What it writes, parsed back, is what went in.
  const seen = collect([encode({ type: "t", id: "i", data: "l1\nl2\r\n" })]).seen;
  assert.deepEqual(seen, [{ type: "t", data: "l1\nl2\n", id: "i" }]);
});
