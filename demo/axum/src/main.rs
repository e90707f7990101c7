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

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use sse_wire_axum::{produce, raise_open_files, router, wire, Hub, LOG_BYTES, LOG_EVENTS};
use tokio::net::TcpSocket;

const USAGE: &str =
    "usage: server [--port N] [--interval-ms MS] [--keep-alive-ms MS] [--payload BYTES]";

struct Options {
    port: u16,
    interval: Duration,
    keep_alive: Duration,
    payload: usize,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 3000,
        interval: Duration::from_secs(1),
        keep_alive: Duration::from_secs(15),
        payload: 64,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number: u64 =
            value.parse().map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
        match flag.as_str() {
            "--port" => options.port = u16::try_from(number).map_err(|_| "no such port")?,
            "--interval-ms" if number > 0 => options.interval = Duration::from_millis(number),
            "--keep-alive-ms" if number > 0 => options.keep_alive = Duration::from_millis(number),
            "--payload" if number <= 1 << 20 => options.payload = number as usize,
            _ => return Err(format!("unknown option or bad value: {flag} {value}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("server: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // One descriptor per client: allow far more than the usual 1024.
    let wanted = 1 << 20;
    let allowed = raise_open_files(wanted);
    if allowed < wanted {
        eprintln!("server: at most {allowed} open files, so about as many clients");
    }
    let listener = match listen(options.port) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("server: cannot listen on 127.0.0.1:{}: {error}", options.port);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(address) => println!("listening on http://{address}/"),
        Err(error) => {
            eprintln!("server: {error}");
            return ExitCode::FAILURE;
        }
    }
    let _ = std::io::stdout().flush();

    // IDs count from the start time in milliseconds: never one of an
    // earlier run, so a client resuming across a restart gets a `reset`.
    let first_id = wire::now_us() / 1000;
    let hub = Arc::new(Hub::<LOG_EVENTS>::new(LOG_BYTES, first_id, options.keep_alive));
    tokio::spawn(produce(Arc::clone(&hub), options.interval, options.payload));
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

/// A listener on 127.0.0.1 with a long accept queue, for thousands of
/// clients connecting at once.
fn listen(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(4096)
}
