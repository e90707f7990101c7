// The page's glue: loads the Rust module and wires its two streams to the
// page. `window.demo` keeps what arrived, for people (in the console) and
// for the automated test.
import init, { chat, open_events } from "./pkg/sse_wire_wasm_fetch.js";

const $ = (id) => document.getElementById(id);

const demo = {
  ready: false,
  chatEvents: [],
  events: [],
  states: [],
  handle: null,

  // POSTs `prompt` to /chat; resolves to {complete, reads}: whether the
  // body ended between events, and how many chunks it came in.
  async chat(prompt) {
    demo.chatEvents = [];
    $("answer").textContent = "";
    $("chat-state").textContent = "streaming";
    try {
      const result = await chat("/chat", prompt, (event) => {
        demo.chatEvents.push(event);
        if (event.data !== "[DONE]") {
          $("answer").textContent += JSON.parse(event.data).choices[0].delta.content;
        }
      });
      $("chat-state").textContent = result.complete
        ? `done: ${demo.chatEvents.length} events in ${result.reads} reads`
        : "cut off";
      return result;
    } catch (error) {
      $("chat-state").textContent = `failed: ${error}`;
      throw error;
    }
  },

  // Opens `url` (/events by default). `idleTimeoutMs` and `minRetryMs`
  // may be left out.
  open({ url = "/events", idleTimeoutMs, minRetryMs } = {}) {
    demo.close();
    demo.handle = open_events(url, showEvent, showState, idleTimeoutMs, minRetryMs);
    $("open").disabled = true;
    $("close").disabled = false;
  },

  close() {
    if (demo.handle) {
      demo.handle.close();
      demo.handle.free();
      demo.handle = null;
    }
    $("open").disabled = false;
    $("close").disabled = true;
  },
};

function showEvent(event) {
  demo.events.push(event);
  $("count").textContent = demo.events.length;
  const row = $("events").insertRow(0);
  row.insertCell().textContent = event.lastEventId;
  row.insertCell().textContent = event.type;
  const pre = document.createElement("pre");
  pre.textContent = JSON.stringify(event.data);
  row.insertCell().appendChild(pre);
  while ($("events").rows.length > 200) $("events").deleteRow(-1);
}

function showState(state, detail) {
  demo.states.push({ state, detail });
  $("events-state").textContent = detail ? `${state} (${detail})` : state;
}

window.demo = demo;
await init();
demo.ready = true;
$("module").textContent = "ready";
$("send").onclick = () => demo.chat($("prompt").value).catch(() => {});
$("open").onclick = () => demo.open({ idleTimeoutMs: 30000 });
$("close").onclick = () => demo.close();
