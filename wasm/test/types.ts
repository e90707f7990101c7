// Compiled by `tsc --noEmit` (npm run test:types): the typings accept the
// README's uses and refuse misuse.
import { createParser, encode, events, EventTooLargeError, init, type ServerSentEvent } from "sse-wire-wasm";

export async function usage(response: Response): Promise<string[]> {
  await init();
  const seen: string[] = [];
  using parser = createParser({
    onEvent: (event: ServerSentEvent) => seen.push(`${event.type} ${event.data} ${event.id}`),
    onRetry: (ms: number) => seen.push(`retry ${ms.toFixed(0)}`),
    onComment: (text) => seen.push(text.toUpperCase()),
    onError: (error: EventTooLargeError) => seen.push(`${error.field} ${error.limit}`),
    maxEventSize: 1 << 20,
  });
  parser.feed(new Uint8Array([100, 97, 116, 97, 10, 10]));
  parser.feed("data: text\n\n");
  parser.reset();
  const id: string = parser.lastEventId;
  seen.push(id);
  if (response.body) {
    for await (const event of events(response.body, { onRetry: () => {} })) seen.push(event.data);
  }
  const text: string = encode({ type: "t", id: "1", data: "x" }) + encode({ comment: "c" }) + encode({ retry: 5 });
  seen.push(text);
  // @ts-expect-error: onEvent takes an event, not a number
  createParser({ onEvent: (n: number) => n });
  // @ts-expect-error: feed takes bytes or a string
  parser.feed(42);
  // @ts-expect-error: events() takes no onEvent
  events(response.body!, { onEvent: () => {} });
  return seen;
}
