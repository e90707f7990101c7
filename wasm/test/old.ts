// Compiled by `tsc --noEmit -p test/tsconfig.old.json`: the typings also
// work against an older `lib` (ES2020, without Disposable).
import { createParser, init, type ServerSentEvent } from "sse-wire-wasm";

export async function basic(): Promise<string[]> {
  await init();
  const seen: string[] = [];
  const parser = createParser({ onEvent: (event: ServerSentEvent) => seen.push(event.data) });
  parser.feed("data: x\n\n");
  parser.free();
  return seen;
}
