// Types of sse-wire-wasm (index.js for browsers and workers, node.js for
// Node: the same API).

// `Symbol.dispose` (for `using`), declared here too so that these types
// also compile against a `lib` older than ES2025/ESNext.Disposable.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** A dispatched event. */
export interface ServerSentEvent {
  /** The event type: the `event` field, or `"message"` when none was set. */
  type: string;
  /** The data: the `data` fields joined with "\n". */
  data: string;
  /**
   * The last event ID when the event was dispatched (set by this or an
   * earlier event's `id` field), `""` if none was.
   */
  id: string;
}

/** What the parser reports to, and its limits. */
export interface ParserOptions {
  /** Called with each event, in order. */
  onEvent?: (event: ServerSentEvent) => void;
  /** Called with each valid `retry` field, in milliseconds. */
  onRetry?: (milliseconds: number) => void;
  /**
   * Called with each comment line's text (after the ":" and one space).
   * Comments are only parsed when this is given.
   */
  onComment?: (comment: string) => void;
  /**
   * Called for each event skipped because a value was larger than its
   * limit. Without it, `feed` throws the first such error once it has
   * parsed the whole chunk.
   */
  onError?: (error: EventTooLargeError) => void;
  /** The most bytes (UTF-8) an event's data may hold; default 16 MiB. */
  maxEventSize?: number;
  /** The most bytes (UTF-8) an event type or an ID may hold; default 4 KiB. */
  maxIdSize?: number;
}

/** An event skipped because a value was larger than its limit. */
export class EventTooLargeError extends Error {
  readonly name: "EventTooLargeError";
  /** Which value: "event data", "event type" or "event id". */
  readonly field: "event data" | "event type" | "event id";
  /** The limit, in bytes of UTF-8. */
  readonly limit: number;
}

/** A stream parser; make one with `createParser`. */
export class EventSourceParser {
  constructor(options?: ParserOptions);
  /**
   * Parses the next chunk of the stream, cut anywhere. Every event the
   * chunk completes is reported before it returns. A string is encoded as
   * UTF-8 first (a surrogate pair split between two strings becomes two
   * U+FFFD).
   */
  feed(chunk: Uint8Array | ArrayBufferView | ArrayBuffer | string): void;
  /**
   * A new stream from the same source (as EventSource does when it
   * reconnects): the event in progress is dropped, the last event ID kept.
   */
  reset(): void;
  /** The last event ID: what a client sends as Last-Event-ID. */
  readonly lastEventId: string;
  /** Frees the parser's memory in the module; using it afterwards throws. */
  free(): void;
  [Symbol.dispose](): void;
}

/** Makes a parser. `await init()` first. */
export function createParser(options?: ParserOptions): EventSourceParser;

/** What `events()` takes: everything but `onEvent`. */
export type EventsOptions = Omit<ParserOptions, "onEvent">;

/**
 * The events of a byte stream: a ReadableStream (such as a fetch Response's
 * body) or an (async) iterable of chunks. Breaking out of the loop cancels
 * the stream.
 */
export function events(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options?: EventsOptions,
): AsyncGenerator<ServerSentEvent, void, undefined>;

/** A frame for `encode`. */
export type Frame =
  | { type?: string; id?: string; data?: string; comment?: undefined; retry?: undefined }
  | { comment: string }
  | { retry: number };

/**
 * Encodes a frame as event-stream text. Throws a TypeError for a type or ID
 * with a line break, or an ID with NUL.
 */
export function encode(frame: Frame): string;

/**
 * Loads the WebAssembly module; needed once before `createParser`. Without
 * a source, in Node it reads sse_wire.wasm next to the package's files, in
 * a browser it fetches it (`new URL("./sse_wire.wasm", import.meta.url)`).
 */
export function init(
  source?: string | URL | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module,
): Promise<void>;

/** Loads the module synchronously from its bytes or a compiled module. */
export function initSync(source: BufferSource | WebAssembly.Module): void;

/** Whether the module is loaded. */
export function isReady(): boolean;
