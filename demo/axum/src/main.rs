//! `server`: the broadcast on axum, over sse-wire's server kit.
//!
//! ```text
//! cargo run --release --bin server -- [--port N] [--interval-ms MS]
//!     [--keep-alive-ms MS] [--payload BYTES]
//! ```
//!
//! Serves on 127.0.0.1 (port 3000 by default; 0 picks a free one) and
//! prints `listening on http://ADDRESS/` first. `GET /events` is the
//! broadcast: a `tick` event every `--interval-ms` (default 1000) whose data
//! is its number, the time it was made and `--payload` bytes of padding
//! (default 64), resumed from `Last-Event-ID` out of a log of the last 4096
//! events (4 MiB at most), with a keep-alive comment after `--keep-alive-ms`
//! (default 15000) of silence. `GET /ticks` and `GET /axum-sse` are the two
//! short handlers compared in the README.

use std::process::ExitCode;

use axum::serve::ListenerExt;
use sse_wire_axum::router;
use sse_wire_axum::setup::{parse_args, start, USAGE};

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("server: {message}\nusage: server {USAGE}");
            return ExitCode::from(2);
        }
    };
    let (listener, hub) = match start("server", &options) {
        Ok(started) => started,
        Err(error) => {
            eprintln!("server: cannot listen on 127.0.0.1:{}: {error}", options.port);
            return ExitCode::FAILURE;
        }
    };
    // Small frames go out at once rather than waiting for an ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    if let Err(error) = axum::serve(listener, router(hub)).await {
        eprintln!("server: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
