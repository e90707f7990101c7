// The package against the native Rust parser on random, hostile streams
// (CR, LF and CRLF, BOMs, non-ASCII and invalid UTF-8, empty data, IDs with
// NUL, retry lines valid and not, comments, unknown fields, long lines,
// bursts of tiny events, events over small caps), each cut into random
// chunks from 1 byte to 1 MiB, some fed as strings: every event, retry,
// comment, error and the last event ID must be the same.
//
//   node test/differential.mjs [--mb 100] [--seed 1]
//
// --mb: the total size of the streams, in millions of bytes (default 100);
// --seed: the generator's seed (default 1; any other explores other
// streams). Needs cargo: it builds and runs the reference program
// (reference/, in this workspace). Exits 1 at the first difference, printing
// how to reproduce it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { createParser, initSync } from "../node.js";
import { compare, random, reference, referenceBinary, stream } from "./streams.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const TOTAL = arg("--mb", 100) * 1e6;
const SEED = arg("--seed", 1);
const BATCH = 8e6;
const MIB = 1 << 20;

const wasmPath = process.env.SSE_WIRE_WASM ?? path.join(here, "..", "sse_wire.wasm");
initSync(readFileSync(wasmPath));
const binary = referenceBinary();
const rng = random(SEED);
const FIELDS = ["event data", "event type", "event id"];
const started = Date.now();

/** Cuts `bytes` for feeding: returns the chunk lengths. */
function chunking(bytes) {
  const mode = rng.next();
  const sizes = [];
  let left = bytes.length;
  while (left > 0) {
    let size;
    if (mode < 0.1 && bytes.length < 300_000) size = rng.int(1, 8); // tiny chunks
    else if (mode < 0.15) size = left; // whole
    else size = rng.logInt(1, MIB); // 1 byte to 1 MiB, each power of two alike
    size = Math.min(size, left);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** Runs one stream through the package; returns what it reported. */
function run(s) {
  const got = [];
  const parser = createParser({
    onEvent: (event) => got.push(event),
    onRetry: (ms) => got.push({ retry: ms }),
    onComment: s.comments ? (text) => got.push({ comment: text }) : undefined,
    onError: (error) => got.push({ error: FIELDS.indexOf(error.field), capacity: error.limit }),
    maxEventSize: s.dataCap,
    maxIdSize: s.metaCap,
  });
  let at = 0;
  if (s.asString) {
    // Cut at random UTF-16 positions, never inside a surrogate pair.
    const text = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(s.bytes);
    for (const size of chunking(s.bytes)) {
      let end = Math.min(text.length, at + size);
      const unit = text.charCodeAt(end - 1);
      if (end < text.length && unit >= 0xd800 && unit <= 0xdbff) end++;
      parser.feed(text.slice(at, end));
      at = end;
      if (at >= text.length) break;
    }
  } else {
    for (const size of chunking(s.bytes)) {
      parser.feed(s.bytes.subarray(at, at + size));
      at += size;
    }
  }
  got.push({ last_event_id: parser.lastEventId });
  parser.free();
  return got;
}

let bytes = 0;
let streams = 0;
let items = 0;
let stringStreams = 0;
const counts = { events: 0, retries: 0, comments: 0, errors: 0 };
while (bytes < TOTAL) {
  const batch = [];
  let size = 0;
  while (size < BATCH && bytes + size < TOTAL) {
    const kind = rng.next();
    const target = kind < 0.7 ? rng.logInt(1, 65536) : kind < 0.96 ? rng.logInt(65536, MIB) : rng.logInt(MIB, 4 * MIB);
    const valid = rng.chance(0.15);
    const s = {
      bytes: stream(rng, target, { valid }),
      dataCap: rng.pick([16 * MIB, 16 * MIB, MIB, 65536, 4096, 100]),
      metaCap: rng.pick([4096, 4096, 64, 8]),
      comments: rng.chance(0.5),
      asString: valid && rng.chance(0.7),
    };
    batch.push(s);
    size += s.bytes.length;
  }
  const expected = reference(binary, batch);
  for (let i = 0; i < batch.length; i++) {
    const got = run(batch[i]);
    const difference = compare(got, expected[i]);
    if (difference) {
      const show = (v) => JSON.stringify(v)?.slice(0, 300);
      console.error(`differential: FAILED on stream ${streams + i} (seed ${SEED}, ${batch[i].bytes.length} bytes, caps ${batch[i].dataCap}/${batch[i].metaCap}, comments ${batch[i].comments}, string ${batch[i].asString})`);
      console.error(`  item ${difference.at}: got ${show(difference.got)}\n  expected ${show(difference.expected)}`);
      process.exit(1);
    }
    for (const item of expected[i]) {
      if ("retry" in item) counts.retries++;
      else if ("error" in item) counts.errors++;
      else if ("comment" in item) counts.comments++;
      else if ("data" in item) counts.events++;
    }
    items += got.length;
    if (batch[i].asString) stringStreams++;
  }
  streams += batch.length;
  bytes += size;
}
const seconds = (Date.now() - started) / 1000;
console.log(
  `differential: ${streams} streams (${stringStreams} fed as strings), ${(bytes / 1e6).toFixed(1)} MB, ` +
    `${counts.events} events, ${counts.retries} retries, ${counts.comments} comments, ${counts.errors} errors: ` +
    `all the same as the native parser's (seed ${SEED}, ${seconds.toFixed(0)} s)`,
);
console.log("differential: 1 passed, 0 failed");
