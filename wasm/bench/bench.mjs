// Speed, side by side: this package and eventsource-parser (from npm) on the
// same bytes, in one Node process.
//
//   node bench/bench.mjs            the table (about a minute)
//   node bench/bench.mjs --check    small inputs, one round: only checks that
//                                   both parsers agree (what CI runs)
//
// Each parser gets the stream as Uint8Array chunks and gives events as
// {type, data, id} strings (id: the last event ID), collected in an array.
// eventsource-parser takes strings, so its time includes a streaming
// TextDecoder, as a user's code would have; its `event` and `id` (the
// event's own) are mapped to the same {type, data, id}.
//
// For each cell, a first run of each parser collects every event, and the
// count and a hash of every code unit of their fields are compared. Then
// the timed runs hand each event to a sink that counts it and fingerprints
// each field (its length, first and last code unit), compared too. Any
// difference fails the run.
//
// Time is the process's CPU time (user + system, all threads, so the
// garbage collector's helpers count), not wall time: the machines this runs
// on are shared, and CPU time is what stays steady under others' load.
// Each speed is the median of the rounds; the parsers take turns within a
// round, and which goes first alternates. The ratio is the median of the
// rounds' ratios, each from two runs back to back; the wall-time ratio is
// shown too, found the same way.
import { createParser as createEsp } from "eventsource-parser";
import { createParser, init } from "../node.js";

const check = process.argv.includes("--check");
const ROUNDS = check ? 1 : 9;
const TOTAL = check ? 1 << 20 : 32 << 20;

await init();
const utf8 = new TextEncoder();

/** Repeats `make(i)` until `total` bytes; returns the stream's bytes. */
function build(make, total) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < total; i++) {
    const part = make(i);
    parts.push(part);
    size += part.length;
  }
  return utf8.encode(parts.join(""));
}

const mib = 1 << 20;
const bigLine = (i) => {
  // 1 MiB of JSON-like text on one data line.
  const unit = `{"i":${i},"v":"abcdefghijklmnopqrstuvwxyz0123456789"},`;
  return `data: [${unit.repeat(Math.floor((mib - 16) / unit.length))}0]\n\n`;
};
const WORKLOADS = [
  {
    name: "small JSON events",
    bytes: build(
      (i) => `id: ${i}\nevent: update\ndata: {"id":${i},"name":"item ${i}","price":${(i % 997) / 10},"tags":["a","b"]}\n\n`,
      TOTAL,
    ),
  },
  {
    name: "LLM token events",
    bytes: build((i) => `data: {"choices":[{"delta":{"content":"tok${i % 100}"}}]}\n\n`, TOTAL),
  },
  { name: "1 MiB lines", bytes: build(bigLine, check ? 2 * mib : TOTAL) },
];
const CHUNKS = [16 * 1024, 64 * 1024];

function cut(bytes, size) {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/**
 * What the timed runs do with each event: a running fingerprint of every
 * field (its length, first and last code units), so that every string is
 * made and looked at without a full pass over it. The full comparison is
 * the hash below, over a separate, untimed run.
 */
function sink() {
  let count = 0;
  let h = 0x811c9dc5;
  const touch = (text) => {
    const n = text.length;
    h = Math.imul(h ^ n, 0x01000193);
    if (n > 0) h = Math.imul(h ^ (text.charCodeAt(0) << 16) ^ text.charCodeAt(n - 1), 0x01000193);
  };
  return {
    push(event) {
      count++;
      touch(event.type);
      touch(event.data);
      touch(event.id);
    },
    get result() {
      return { count, fingerprint: h >>> 0 };
    },
  };
}

function runWasm(chunks, out) {
  const parser = createParser({ onEvent: (event) => out.push(event) });
  for (const chunk of chunks) parser.feed(chunk);
  parser.free();
  return out;
}

function runEsp(chunks, out) {
  const decoder = new TextDecoder();
  let lastId = "";
  const parser = createEsp({
    onEvent: (event) => {
      if (event.id !== undefined) lastId = event.id;
      out.push({ type: event.event ?? "message", data: event.data, id: lastId });
    },
  });
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  return out;
}

/** FNV-1a over every code unit of every event's fields. */
function hash(events) {
  let h = 0x811c9dc5;
  const mix = (text) => {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xffff, 0x01000193);
  };
  for (const event of events) {
    mix(event.type);
    mix(event.data);
    mix(event.id);
  }
  return { count: events.length, hash: h >>> 0 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

let failed = false;
const rows = [];
for (const workload of WORKLOADS) {
  for (const size of CHUNKS) {
    const chunks = cut(workload.bytes, size);
    const speeds = { wasm: [], esp: [] };
    const walls = { wasm: [], esp: [] };
    const runs = [["wasm", runWasm], ["esp", runEsp]];
    // Every event, in full: the same count and hash from both.
    const [full, fullEsp] = runs.map(([, run]) => hash(run(chunks, [])));
    if (full.count === 0 || full.count !== fullEsp.count || full.hash !== fullEsp.hash) {
      console.error(`MISMATCH in ${workload.name}, ${size} B chunks: ${JSON.stringify(full)} against ${JSON.stringify(fullEsp)}`);
      failed = true;
    }
    let reference = null;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, run] of round % 2 ? runs : [...runs].reverse()) {
        const out = sink();
        const wallStart = process.hrtime.bigint();
        const start = process.cpuUsage();
        run(chunks, out);
        const used = process.cpuUsage(start);
        const seconds = (used.user + used.system) / 1e6;
        walls[name].push(workload.bytes.length / mib / (Number(process.hrtime.bigint() - wallStart) / 1e9));
        reference ??= out.result;
        if (out.result.count !== full.count || out.result.fingerprint !== reference.fingerprint) {
          console.error(`MISMATCH in a timed run of ${workload.name}, ${size} B chunks: ${name} gave ${JSON.stringify(out.result)}`);
          failed = true;
        }
        speeds[name].push(workload.bytes.length / mib / seconds);
      }
    }
    const wasm = median(speeds.wasm);
    const esp = median(speeds.esp);
    // The ratio within each round (both ran back to back), then its median.
    const ratio = median(speeds.wasm.map((speed, i) => speed / speeds.esp[i]));
    const wallRatio = median(walls.wasm.map((speed, i) => speed / walls.esp[i]));
    rows.push({ workload: workload.name, chunk: `${size / 1024} KiB`, events: full.count, wasm, esp, ratio, wallRatio });
    console.error(`${workload.name}, ${size / 1024} KiB chunks: ${full.count} events, hash ${full.hash.toString(16)}; sse-wire-wasm ${wasm.toFixed(0)} MiB/s, eventsource-parser ${esp.toFixed(0)} MiB/s`);
  }
}

if (check) {
  console.log(failed ? "bench check: the parsers disagree" : `bench check: both parsers agree on ${rows.length} cells`);
} else {
  console.log("| workload | chunks | events | sse-wire-wasm | eventsource-parser 3.1.1 | ratio | ratio in wall time |");
  console.log("|---|---|---|---|---|---|---|");
  for (const row of rows) {
    console.log(
      `| ${row.workload} | ${row.chunk} | ${row.events} | ${row.wasm.toFixed(0)} MiB/s | ${row.esp.toFixed(0)} MiB/s | ${row.ratio.toFixed(2)}× | ${row.wallRatio.toFixed(2)}× |`,
    );
  }
}
process.exit(failed ? 1 : 0);
