// Random, hostile event streams and the native parser's results for them:
// shared by the differential test (differential.mjs) and the browser test
// (browser.mjs).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const utf8 = new TextEncoder();

/** A small, seedable generator (sfc32); `next()` is uniform in [0, 1). */
export function random(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const u32 = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return r >>> 0;
  };
  for (let i = 0; i < 16; i++) u32();
  const next = () => u32() / 4294967296;
  return {
    next,
    /** A whole number in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** One of the items. */
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    /** A whole number in [lo, hi], each power of two about as likely. */
    logInt: (lo, hi) => Math.min(hi, Math.floor(Math.exp(Math.log(lo) + next() * (Math.log(hi + 1) - Math.log(lo))))),
  };
}

/** A growable byte buffer. */
class Bytes {
  constructor() {
    this.buf = new Uint8Array(1 << 16);
    this.len = 0;
  }
  room(n) {
    if (this.len + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
  }
  push(bytes) {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
  text(s) {
    this.push(utf8.encode(s));
  }
  byte(b) {
    this.room(1);
    this.buf[this.len++] = b;
  }
  /** `bytes` repeated until `n` bytes are added. */
  fill(bytes, n) {
    this.room(n);
    const start = this.len;
    this.buf.set(bytes.subarray(0, Math.min(n, bytes.length)), start);
    let have = Math.min(n, bytes.length);
    while (have < n) {
      const copy = Math.min(have, n - have);
      this.buf.copyWithin(start + have, start, start + copy);
      have += copy;
    }
    this.len += n;
  }
  get bytes() {
    return this.buf.subarray(0, this.len);
  }
}

const ASCII = utf8.encode("The quick brown fox {\"json\": [1, 2.5, true, null]} \\ / ~ `");
const CHARS = ["é", "ß", "€", "你好", "🎉", "\u{10FFFF}", "\uFEFF", "\u00A0", "\u2028", "\t", " ", ":"].map((c) => utf8.encode(c));
const INVALID = [[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x8e], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe]].map((b) => new Uint8Array(b));

/** Writes a random value: ASCII runs, other characters, invalid UTF-8, NUL. */
function value(rng, out, maxLen, { valid, nul }) {
  const len = rng.logInt(1, maxLen) - 1;
  let written = 0;
  while (written < len) {
    const r = rng.next();
    if (r < 0.6) {
      const n = Math.min(len - written, rng.int(1, 40));
      const from = rng.int(0, ASCII.length - 1);
      const piece = ASCII.subarray(from, from + n);
      out.push(piece);
      written += piece.length;
    } else if (r < 0.85) {
      const c = rng.pick(CHARS);
      out.push(c);
      written += c.length;
    } else if (r < 0.95 && !valid) {
      const b = rng.pick(INVALID);
      out.push(b);
      written += b.length;
    } else if (nul) {
      out.byte(0);
      written++;
    } else {
      out.byte(0x78);
      written++;
    }
  }
}

/**
 * One random stream. `valid`: only valid UTF-8 (so that it can also be fed
 * as a string). Returns its bytes.
 */
export function stream(rng, target, { valid = false } = {}) {
  const out = new Bytes();
  const endings = [[10], [13, 10], [13]].map((b) => new Uint8Array(b));
  const style = rng.int(0, 3); // 0..2: one kind of line end; 3: mixed
  const eol = () => out.push(style === 3 ? rng.pick(endings) : endings[style]);
  if (rng.chance(0.3)) out.push(new Uint8Array([0xef, 0xbb, 0xbf]));
  if (rng.chance(0.05)) out.push(new Uint8Array([0xef, 0xbb, 0xbf]));
  const sep = () => rng.pick([":", ": ", ": ", ":  ", ""]);
  while (out.len < target) {
    const r = rng.next();
    if (r < 0.3) {
      out.text("data" + sep());
      if (rng.chance(0.8)) value(rng, out, 200, { valid, nul: true });
      eol();
    } else if (r < 0.5) {
      eol(); // a blank line: dispatch
    } else if (r < 0.57) {
      out.text("event" + sep());
      if (rng.chance(0.8)) value(rng, out, rng.chance(0.05) ? 5000 : 20, { valid, nul: true });
      eol();
    } else if (r < 0.64) {
      out.text("id" + sep());
      if (rng.chance(0.9)) value(rng, out, rng.chance(0.05) ? 5000 : 16, { valid, nul: rng.chance(0.3) });
      eol();
    } else if (r < 0.69) {
      const digits = String(rng.int(0, 99999)) + (rng.chance(0.1) ? "9".repeat(rng.int(1, 25)) : "");
      out.text("retry" + rng.pick([": ", ":", ":  "]) + rng.pick([digits, digits, digits, `${digits}a`, `-${digits}`, ""]));
      eol();
    } else if (r < 0.75) {
      out.text(":" + rng.pick(["", " ", "  "]));
      value(rng, out, 100, { valid, nul: true });
      eol();
    } else if (r < 0.79) {
      out.text(rng.pick(["foo: bar", "Data: x", "dat: y", "data ", " data: z", "event", "id", "retry", "data", "ID: 3"]));
      eol();
    } else if (r < 0.83) {
      // Many tiny events.
      const e = style === 3 ? endings[0] : endings[style];
      const one = new Bytes();
      one.text(rng.pick(["data:x", "data", "data: ", "data:\u00e9"]));
      one.push(e);
      one.push(e);
      out.fill(one.bytes, one.len * rng.int(1, 3000));
    } else if (r < 0.835) {
      // A long line, sometimes longer than a small cap.
      out.text("data: ");
      const long = new Bytes();
      value(rng, long, 300, { valid, nul: false });
      const unit = long.len ? long.bytes : ASCII;
      // Whole repeats: the line stays valid UTF-8 if the unit is.
      out.fill(unit, unit.length * Math.ceil(rng.logInt(1000, 2_000_000) / unit.length));
      eol();
    } else {
      out.text("data:");
      value(rng, out, 60, { valid, nul: false });
      eol();
      eol();
    }
  }
  return out.bytes;
}

/** The reference program, built by cargo in the wasm workspace. */
export function referenceBinary() {
  const result = spawnSync("cargo", ["build", "--release", "--quiet", "-p", "sse-wire-wasm-reference", "--message-format=json"], {
    cwd: path.join(here, ".."),
    encoding: "utf8",
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) throw new Error("cargo build of the reference program failed");
  for (const line of result.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const message = JSON.parse(line);
    if (message.reason === "compiler-artifact" && message.executable) return message.executable;
  }
  throw new Error("cargo did not name the reference program");
}

/**
 * Runs the reference over streams, each `{bytes, dataCap, metaCap,
 * comments}`; returns for each the list of what it reported (the last
 * entry is `{last_event_id}`).
 */
export function reference(binary, streams) {
  const total = streams.reduce((n, s) => n + 16 + s.bytes.length, 0);
  const input = new Uint8Array(total);
  const view = new DataView(input.buffer);
  let at = 0;
  for (const s of streams) {
    view.setUint32(at, s.dataCap, true);
    view.setUint32(at + 4, s.metaCap, true);
    view.setUint32(at + 8, s.comments ? 1 : 0, true);
    view.setUint32(at + 12, s.bytes.length, true);
    input.set(s.bytes, at + 16);
    at += 16 + s.bytes.length;
  }
  const result = spawnSync(binary, [], { input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`the reference program failed: ${result.stderr}`);
  const out = [];
  let items = [];
  const text = result.stdout.toString("utf8");
  let from = 0;
  while (from < text.length) {
    const end = text.indexOf("\n", from);
    const item = JSON.parse(text.slice(from, end));
    from = end + 1;
    items.push(item);
    if ("last_event_id" in item) {
      out.push(items);
      items = [];
    }
  }
  if (out.length !== streams.length) throw new Error(`the reference gave ${out.length} results for ${streams.length} streams`);
  return out;
}

/**
 * Compares what a parser reported (`got`, in the same shapes, retries as
 * numbers) with the reference's list; returns the first difference, or null.
 */
export function compare(got, expected) {
  const n = Math.max(got.length, expected.length);
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const e = expected[i];
    if (!g || !e) return { at: i, got: g, expected: e };
    let same;
    if ("retry" in e) same = g.retry === Number(BigInt(e.retry));
    else if ("error" in e) same = g.error === e.error && g.capacity === e.capacity;
    else if ("comment" in e) same = g.comment === e.comment;
    else if ("last_event_id" in e) same = g.last_event_id === e.last_event_id;
    else same = g.type === e.type && g.data === e.data && g.id === e.id && Object.keys(g).length === 3;
    if (!same) return { at: i, got: g, expected: e };
  }
  return null;
}
