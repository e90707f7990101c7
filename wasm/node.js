// sse-wire-wasm for Node: the same API as index.js, whose `init()` reads the
// module from the file next to this script when given no source.
import { readFile } from "node:fs/promises";
import { init as initFrom } from "./index.js";

export { createParser, encode, events, EventSourceParser, EventTooLargeError, initSync, isReady } from "./index.js";

/**
 * Loads the module: from `source` if given (as index.js's `init` takes
 * it), else from sse_wire.wasm next to this file.
 */
export async function init(source) {
  if (source === undefined) source = await readFile(new URL("./sse_wire.wasm", import.meta.url));
  else if (source instanceof URL && source.protocol === "file:") source = await readFile(source);
  return initFrom(source);
}
