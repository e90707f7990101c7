// sse-wire-wasm: the Server-Sent Events parser of the sse-wire crate,
// compiled to a WebAssembly module with no imports, with this file as its
// JavaScript side. This is the browser (and default) entry point; node.js
// wraps it to read the module from disk.
//
// How the two sides meet (see src/lib.rs): each chunk is copied once into
// the module's memory; one call parses all of it; the module answers with
// the text of every result back to back (decoded here with one TextDecoder
// call) and a list of [kind, start, end] records that locate each string
// in that text in UTF-16 units, so each event's data is one `slice`. The
// event type and ID come only when they change.

const EVENT = 0;
const TYPE = 1;
const ID = 2;
const RETRY = 3;
const COMMENT = 4;
const ERROR = 5;

/** Bytes handed to the module per call; a larger chunk is fed in windows. */
const WINDOW = 256 * 1024;
/** Default cap on an event's data: 16 MiB of UTF-8. */
const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;
/** Default cap on an event type and on an event ID: 4 KiB of UTF-8. */
const DEFAULT_MAX_ID_SIZE = 4096;
/** The largest cap the module accepts (its addresses are 32-bit). */
const MAX_CAP = 0x7fff_ffff;

const WHAT = ["event data", "event type", "event id"];

let wasm = null;
let buffer = null;
let u8 = null;
let u32 = null;
// ignoreBOM: a data field may start with U+FEFF; it is text, not a BOM.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();
const registry =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry((handle) => wasm.sse_free(handle))
    : null;

/** Makes the memory views again if the memory grew (its buffer changed). */
function views() {
  if (wasm.memory.buffer !== buffer) {
    buffer = wasm.memory.buffer;
    u8 = new Uint8Array(buffer);
    u32 = new Uint32Array(buffer);
  }
}

function setInstance(instance) {
  const exports = instance.exports;
  if (typeof exports.sse_feed !== "function" || !(exports.memory instanceof WebAssembly.Memory)) {
    throw new TypeError("sse-wire-wasm: this WebAssembly module is not sse-wire's");
  }
  wasm = exports;
  buffer = null;
  views();
}

/**
 * Loads the module. `source` may be a URL or a string (fetched), a
 * Response or a promise of one, the module's bytes (an ArrayBuffer or a
 * typed array), or a compiled WebAssembly.Module. Without it, the .wasm
 * file next to this script is fetched. Resolves once parsers can be made;
 * calling it again does nothing.
 */
export async function init(source) {
  if (wasm) return;
  if (source === undefined) source = new URL("./sse_wire.wasm", import.meta.url);
  if (typeof source === "string" || source instanceof URL) source = fetch(source);
  source = await source;
  let instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, {});
  } else if (typeof Response === "function" && source instanceof Response) {
    if (!source.ok) throw new Error(`sse-wire-wasm: fetching the module failed: HTTP ${source.status}`);
    const streaming = typeof WebAssembly.instantiateStreaming === "function" &&
      (source.headers.get("content-type") ?? "").startsWith("application/wasm");
    instance = streaming
      ? (await WebAssembly.instantiateStreaming(source, {})).instance
      : (await WebAssembly.instantiate(await source.arrayBuffer(), {})).instance;
  } else {
    instance = (await WebAssembly.instantiate(source, {})).instance;
  }
  if (!wasm) setInstance(instance);
}

/**
 * Loads the module synchronously from its bytes or a compiled
 * WebAssembly.Module (in a worker, say, where the bytes are at hand).
 */
export function initSync(source) {
  if (wasm) return;
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  setInstance(new WebAssembly.Instance(module, {}));
}

/** Whether the module is loaded. */
export function isReady() {
  return wasm !== null;
}

function loaded() {
  if (!wasm) throw new Error("sse-wire-wasm: call `await init()` before making a parser");
}

function cap(value, fallback, name) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > MAX_CAP) {
    throw new RangeError(`sse-wire-wasm: ${name} must be a whole number from 0 to ${MAX_CAP}`);
  }
  return value;
}

/** An event skipped because one of its values was larger than its cap. */
export class EventTooLargeError extends Error {
  constructor(field, limit) {
    super(`${field} longer than the parser's limit of ${limit} bytes; the event was skipped`);
    this.name = "EventTooLargeError";
    /** "event data", "event type" or "event id". */
    this.field = field;
    /** The limit in bytes of UTF-8. */
    this.limit = limit;
  }
}

/** The stream parser. Make one with `createParser(callbacks)`. */
export class EventSourceParser {
  #handle;
  #onEvent;
  #onRetry;
  #onComment;
  #onError;
  #type = "message";
  #id = "";
  #busy = false;
  #token = {};
  /** The first error of the chunk being fed, thrown once it is all parsed. */
  #error = null;

  constructor(callbacks = {}) {
    loaded();
    const { onEvent, onRetry, onComment, onError } = callbacks;
    for (const [name, fn] of Object.entries({ onEvent, onRetry, onComment, onError })) {
      if (fn !== undefined && typeof fn !== "function") throw new TypeError(`sse-wire-wasm: ${name} must be a function`);
    }
    const data = cap(callbacks.maxEventSize, DEFAULT_MAX_EVENT_SIZE, "maxEventSize");
    const meta = cap(callbacks.maxIdSize, DEFAULT_MAX_ID_SIZE, "maxIdSize");
    this.#onEvent = onEvent;
    this.#onRetry = onRetry;
    this.#onComment = onComment;
    this.#onError = onError;
    this.#handle = wasm.sse_new(data, meta, onComment ? 1 : 0);
    registry?.register(this, this.#handle, this.#token);
  }

  #live() {
    if (this.#handle === 0) throw new Error("sse-wire-wasm: this parser was freed");
    if (this.#busy) throw new Error("sse-wire-wasm: a parser cannot be fed or reset from its own callback");
  }

  /**
   * Parses the next chunk of the stream: a Uint8Array (or other
   * ArrayBufferView / ArrayBuffer) of bytes, or a string. Chunks may be cut
   * anywhere; the whole chunk is parsed and every event it completes is
   * reported before this returns.
   */
  feed(chunk) {
    this.#live();
    if (typeof chunk === "string") return this.#feedString(chunk);
    let bytes;
    if (chunk instanceof Uint8Array) bytes = chunk;
    else if (ArrayBuffer.isView(chunk)) bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk instanceof ArrayBuffer) bytes = new Uint8Array(chunk);
    else throw new TypeError("sse-wire-wasm: feed() takes a Uint8Array, an ArrayBuffer or a string");
    const length = bytes.length;
    for (let at = 0; at < length; at += WINDOW) {
      const end = Math.min(length, at + WINDOW);
      const ptr = wasm.sse_input(end - at);
      views();
      u8.set(at === 0 && end === length ? bytes : bytes.subarray(at, end), ptr);
      this.#run(end - at);
    }
    this.#throwPending();
  }

  #throwPending() {
    const error = this.#error;
    if (error) {
      this.#error = null;
      throw error;
    }
  }

  #feedString(text) {
    let at = 0;
    while (at < text.length) {
      // At most 3 bytes of UTF-8 per UTF-16 unit.
      const room = Math.min(WINDOW, Math.max(4, (text.length - at) * 3));
      const ptr = wasm.sse_input(room);
      views();
      // The rest of the string, whole: encodeInto stops where the window
      // is full, never inside a surrogate pair.
      const { read, written } = encoder.encodeInto(at === 0 ? text : text.slice(at), u8.subarray(ptr, ptr + room));
      at += read;
      this.#run(written);
    }
    this.#throwPending();
  }

  /** Parses `len` bytes of the module's input buffer and reports the results. */
  #run(len) {
    const summary = wasm.sse_feed(this.#handle, len);
    if (summary === 0) throw new Error("sse-wire-wasm: the module does not know this parser");
    views();
    const s = summary >>> 2;
    const count = u32[s + 1];
    if (count === 0) return;
    const first = u32[s] >>> 2;
    const textPtr = u32[s + 2];
    const textLen = u32[s + 3];
    const text = textLen === 0 ? "" : decoder.decode(u8.subarray(textPtr, textPtr + textLen));
    // A copy: a callback may feed another parser, which reuses the records.
    const records = count <= 3 ? u32.subarray(first, first + count) : u32.slice(first, first + count);
    const onEvent = this.#onEvent;
    let type = this.#type;
    let id = this.#id;
    this.#busy = true;
    try {
      for (let i = 0; i < count; i += 3) {
        switch (records[i]) {
          case EVENT:
            if (onEvent !== undefined) onEvent({ type, data: text.slice(records[i + 1], records[i + 2]), id });
            break;
          case TYPE:
            type = this.#type = text.slice(records[i + 1], records[i + 2]);
            break;
          case ID:
            id = this.#id = text.slice(records[i + 1], records[i + 2]);
            break;
          case RETRY:
            this.#onRetry?.(records[i + 2] * 4294967296 + records[i + 1]);
            break;
          case COMMENT:
            this.#onComment?.(text.slice(records[i + 1], records[i + 2]));
            break;
          case ERROR: {
            const error = new EventTooLargeError(WHAT[records[i + 1]] ?? "a value", records[i + 2]);
            if (this.#onError) this.#onError(error);
            else this.#error ??= error;
            break;
          }
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The last event ID: the ID a client sends as Last-Event-ID when it
   * reconnects (set at each blank line, also by blocks with no data).
   */
  get lastEventId() {
    if (this.#handle === 0) throw new Error("sse-wire-wasm: this parser was freed");
    const summary = wasm.sse_last_event_id(this.#handle);
    if (summary === 0) throw new Error("sse-wire-wasm: the module does not know this parser");
    views();
    const s = summary >>> 2;
    const r = u32[s] >>> 2;
    const textPtr = u32[s + 2];
    const text = decoder.decode(u8.subarray(textPtr, textPtr + u32[s + 3]));
    return text.slice(u32[r + 1], u32[r + 2]);
  }

  /**
   * Starts a new stream from the same source, as EventSource does when it
   * reconnects: the event in progress is dropped, a BOM is expected again,
   * the last event ID is kept.
   */
  reset() {
    this.#live();
    wasm.sse_reset(this.#handle);
  }

  /** Frees the parser's memory in the module; the parser is unusable after. */
  free() {
    if (this.#handle === 0) return;
    registry?.unregister(this.#token);
    wasm.sse_free(this.#handle);
    this.#handle = 0;
  }

  [Symbol.dispose]() {
    this.free();
  }
}

if (typeof Symbol.dispose !== "symbol") {
  // Older engines: `using` is not available there anyway; keep the method
  // reachable under a stable name.
  EventSourceParser.prototype.dispose = EventSourceParser.prototype.free;
}

/**
 * Makes a parser. `callbacks.onEvent({type, data, id})` gets each event
 * (`id` is the last event ID at dispatch), `onRetry(ms)` each retry hint,
 * `onComment(text)` each comment (only parsed when given), `onError(err)`
 * each event skipped for its size (without it, `feed` parses the whole
 * chunk, reporting every other result, and then throws the first such
 * error). `maxEventSize` caps an event's data
 * (bytes of UTF-8, default 16 MiB), `maxIdSize` the event type and ID
 * (default 4 KiB).
 */
export function createParser(callbacks) {
  return new EventSourceParser(callbacks);
}

/**
 * The events of a stream of bytes: a ReadableStream<Uint8Array> (such as a
 * fetch Response's body) or any (async) iterable of Uint8Array or string
 * chunks. Stops at the end of the stream; an unfinished last event is
 * dropped, as EventSource does. Breaking out of the loop cancels the
 * stream. `options` takes `onRetry`, `onComment`, `onError`,
 * `maxEventSize` and `maxIdSize` as `createParser` does; without
 * `onError` an event too large ends the iteration with its error, after
 * the events its chunk completed.
 */
export async function* events(stream, options = {}) {
  let queue = [];
  const parser = createParser({ ...options, onEvent: (event) => queue.push(event) });
  let reader = null;
  let done = false;
  try {
    let chunks;
    if (stream && typeof stream.getReader === "function") {
      reader = stream.getReader();
      chunks = {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const result = await reader.read();
            if (result.done) return;
            yield result.value;
          }
        },
      };
    } else {
      chunks = stream;
    }
    for await (const chunk of chunks) {
      let error = null;
      try {
        parser.feed(chunk);
      } catch (thrown) {
        error = thrown;
      }
      if (queue.length > 0) {
        const ready = queue;
        queue = [];
        for (const event of ready) yield event;
      }
      if (error) throw error;
    }
    done = true;
  } finally {
    parser.free();
    if (reader) {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
}

/**
 * Encodes an event as event-stream text: `{type?, id?, data}` (an event;
 * without `data`, only its `type` and `id` lines and the blank line),
 * `{comment}` or `{retry}` (milliseconds). Throws a TypeError for a type or
 * ID with a line break, or an ID with NUL, which would change the stream's
 * meaning.
 */
export function encode(frame) {
  loaded();
  if (frame === null || typeof frame !== "object") throw new TypeError("sse-wire-wasm: encode() takes an object");
  let kind = 0;
  let parts = [frame.type, frame.id, frame.data];
  let retry = 0;
  if (frame.comment !== undefined) {
    kind = 1;
    parts = [undefined, undefined, frame.comment];
  } else if (frame.retry !== undefined) {
    kind = 2;
    parts = [undefined, undefined, undefined];
    retry = frame.retry;
    if (!Number.isSafeInteger(retry) || retry < 0) {
      throw new RangeError("sse-wire-wasm: retry must be a whole number of milliseconds from 0 to 2^53 - 1");
    }
  }
  const bytes = parts.map((part) => {
    if (part === undefined || part === null) return null;
    if (typeof part !== "string") throw new TypeError("sse-wire-wasm: type, id, data and comment must be strings");
    return encoder.encode(part);
  });
  const total = bytes.reduce((sum, b) => sum + (b ? b.length : 0), 0);
  let ptr = wasm.sse_input(total);
  views();
  for (const b of bytes) {
    if (b) {
      u8.set(b, ptr);
      ptr += b.length;
    }
  }
  const n = wasm.sse_encode(kind, ...bytes.map((b) => (b ? b.length : -1)), retry);
  if (n < 0) {
    const why = {
      [-1]: "an event type with a line break",
      [-2]: "an event id with a line break",
      [-3]: "an event id with NUL",
    }[n] ?? "a frame it cannot encode";
    throw new TypeError(`sse-wire-wasm: cannot encode ${why}`);
  }
  views();
  const at = wasm.sse_text();
  return decoder.decode(u8.subarray(at, at + n));
}
