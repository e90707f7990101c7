// npm run build: compiles the module (cargo, release, wasm32-unknown-unknown)
// and copies it next to the JavaScript as sse_wire.wasm. Honours
// CARGO_TARGET_DIR.
import { execFileSync } from "node:child_process";
import { copyFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
execFileSync("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--package", "sse-wire-wasm"], {
  cwd: here,
  stdio: "inherit",
});
const target = process.env.CARGO_TARGET_DIR ? path.resolve(here, process.env.CARGO_TARGET_DIR) : path.join(here, "target");
const built = path.join(target, "wasm32-unknown-unknown", "release", "sse_wire_wasm.wasm");
copyFileSync(built, path.join(here, "sse_wire.wasm"));
console.log(`sse_wire.wasm: ${statSync(built).size} bytes`);
