// Serves the page (www/) and the module (pkg/) on 127.0.0.1, and passes
// /chat, /events and /log through to the demo server `serve`, so that the
// page's fetch() calls are same-origin: `serve` answers no CORS preflight,
// and a POST with a JSON body, or a GET with Last-Event-ID, needs one.
//
// usage: node server.mjs SERVE_URL [PORT]
// SERVE_URL is where `serve` listens, e.g. http://127.0.0.1:8080/; PORT
// defaults to 8000 (0 picks a free one). The first line printed is the
// address to open.
//
// The test imports `start` and reads `requests`: the Last-Event-ID header
// of each /events request, as the browser sent it. With `split`, each
// chunk from `serve` goes on in three pieces a few milliseconds apart, so
// that lines, fields and UTF-8 characters arrive cut.

import http from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const FILES = { "/": "www/index.html", "/app.js": "www/app.js" };
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
};
const PASSED = new Set(["/chat", "/events", "/log"]);
// The pause between the pieces of a split chunk.
const PAUSE_MS = 4;
// Headers that belong to one connection and are not passed on.
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

export async function start(serveUrl, port = 0, { split = false } = {}) {
  const upstream = new URL(serveUrl);
  const requests = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    if (PASSED.has(path)) {
      if (path === "/events") {
        requests.push({ lastEventId: req.headers["last-event-id"] ?? null });
      }
      pass(upstream, req, res, split);
    } else {
      file(path, res);
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

// One request to `serve`, its answer streamed back as it arrives.
function pass(upstream, req, res, split) {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => !HOP.has(name)),
  );
  const out = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    },
    (answer) => {
      const back = Object.fromEntries(
        Object.entries(answer.headers).filter(([name]) => !HOP.has(name)),
      );
      res.writeHead(answer.statusCode, back);
      res.flushHeaders();
      // Pieces go out in order, and the end after the last of them.
      let queue = Promise.resolve();
      answer.on("data", (chunk) => {
        answer.pause();
        queue = queue.then(() => forward(chunk, res, split)).then(() => answer.resume());
      });
      answer.on("end", () => {
        queue = queue.then(() => res.end());
      });
      answer.on("error", () => res.destroy());
    },
  );
  out.on("error", (error) => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { "Content-Type": "text/plain" }).end(`serve: ${error.message}\n`);
  });
  // The browser went away (closed, or aborted the fetch): so does the
  // connection to `serve`.
  res.on("close", () => out.destroy());
  req.pipe(out);
}

// Writes `chunk`, in three pieces PAUSE_MS apart with `split`.
async function forward(chunk, res, split) {
  const cuts = split && chunk.length >= 3
    ? [0, Math.floor(chunk.length / 3), Math.floor((2 * chunk.length) / 3), chunk.length]
    : [0, chunk.length];
  for (let piece = 0; piece + 1 < cuts.length; piece++) {
    if (piece > 0) await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    if (res.destroyed) return;
    res.write(chunk.subarray(cuts[piece], cuts[piece + 1]));
  }
}

// A file of www/ or pkg/.
async function file(path, res) {
  let relative = FILES[path];
  if (!relative && path.startsWith("/pkg/")) {
    // Nothing outside pkg/: normalizing resolves any "..".
    const inside = normalize(path.slice(1));
    if (inside.startsWith(`pkg${sep}`)) relative = inside;
  }
  if (!relative) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    return;
  }
  try {
    const body = await readFile(join(root, relative));
    res.writeHead(200, {
      "Content-Type": TYPES[extname(relative)] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
    });
    res.end(body);
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const serveUrl = process.argv[2];
  if (!serveUrl) {
    console.error("usage: node server.mjs SERVE_URL [PORT]");
    process.exit(2);
  }
  const { url } = await start(serveUrl, Number(process.argv[3] ?? 8000));
  console.log(`serving the page on ${url} , passing /chat, /events and /log to ${serveUrl}`);
}
