// Loads the no_std sse-wire module (built for wasm32-unknown-unknown) the way
// a browser or an edge worker would, and checks what it parses and encodes.
//   node wasm/test.mjs [path/to/sse_wire_wasm.wasm]
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

const path = process.argv[2] ??
  new URL("./target/wasm32-unknown-unknown/release/sse_wire_wasm.wasm", import.meta.url);
const module = await WebAssembly.compile(await readFile(path));
assert.deepEqual(WebAssembly.Module.imports(module), [], "the module needs no imports");
const { exports: sse } = await WebAssembly.instantiate(module, {});

const utf8 = new TextEncoder();
const text = new TextDecoder();
const bytes = () => new Uint8Array(sse.memory.buffer);

/** Feeds one chunk of the stream; returns the JSON objects it completed. */
function feed(chunk) {
  bytes().set(chunk, sse.input_ptr());
  const len = sse.feed(chunk.length);
  assert.ok(len >= 0, "output buffer large enough");
  const out = text.decode(bytes().subarray(sse.output_ptr(), sse.output_ptr() + len));
  return out.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

function lastEventId() {
  const len = sse.last_event_id();
  return text.decode(bytes().subarray(sse.output_ptr(), sse.output_ptr() + len));
}

/** Encodes an event; returns its text, or the negative error code. */
function encode(type, id, data) {
  const parts = [type, id, data].map((s) => (s === undefined ? null : utf8.encode(s)));
  let at = sse.input_ptr();
  for (const part of parts) {
    if (part) {
      bytes().set(part, at);
      at += part.length;
    }
  }
  const n = sse.encode(...parts.map((p) => (p ? p.length : -1)));
  if (n < 0) return n;
  return text.decode(bytes().subarray(sse.output_ptr(), sse.output_ptr() + n));
}

// A stream with a BOM, CRLF split across chunks, UTF-8 split across chunks,
// a retry hint, a comment, multi-line data and an unfinished last event.
const stream = utf8.encode(
  "\uFEFFretry: 1500\r\n\r\n: hi\r\nid: 7\r\nevent: delta\r\ndata: Gr\u00fc\u00df\r\ndata: \u20ac\r\n\r\ndata: tail",
);
const seen = [];
for (let i = 0; i < stream.length; i += 3) seen.push(...feed(stream.subarray(i, i + 3)));
assert.deepEqual(seen, [
  { retry: 1500 },
  { type: "delta", data: "Gr\u00fc\u00df\n\u20ac", id: "7" },
]);
assert.equal(lastEventId(), "7");

// An oversized event is reported and skipped; the next one arrives.
const big = utf8.encode(`data: ${"x".repeat(20000)}\n\ndata: after\n\n`);
const results = feed(big);
assert.equal(results.length, 2);
assert.match(results[0].error, /event data longer than the parser's capacity of 16384 bytes/);
assert.deepEqual(results[1], { type: "message", data: "after", id: "7" });

// reset() starts a new stream and keeps the last event ID.
sse.reset();
assert.deepEqual(feed(utf8.encode("\uFEFFdata: again\n\n")), [{ type: "message", data: "again", id: "7" }]);

// Encoding, and the refusals.
assert.equal(encode("up", "8", "a\r\nb"), "event: up\nid: 8\ndata: a\ndata: b\n\n");
assert.equal(encode(undefined, undefined, ""), "data:\n\n");
assert.equal(encode(undefined, "9", undefined), "id: 9\n\n");
assert.equal(encode("a\nb", undefined, "x"), -1);
assert.equal(encode(undefined, "1\r", "x"), -2);
assert.equal(encode(undefined, "1\0", "x"), -3);
// 64 KiB of line breaks become 64 Ki `data:` lines: more than the output holds.
bytes().fill(10, sse.input_ptr(), sse.input_ptr() + sse.input_capacity());
assert.equal(sse.encode(-1, -1, sse.input_capacity()), -4, "output too small");
bytes().set([0xff], sse.input_ptr());
assert.equal(sse.encode(-1, -1, 1), -5, "not UTF-8");

console.log("wasm module: 0 imports; parse, overflow, reset and encode checks passed");
