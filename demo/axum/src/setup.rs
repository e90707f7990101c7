//! What the two servers share: their options, and their start (the open-file
//! limit, the listener, the hub and its producer).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};

use crate::{produce, raise_open_files, wire, Hub, LOG_BYTES, LOG_EVENTS};

/// The options of both servers.
pub const USAGE: &str = "[--port N] [--interval-ms MS] [--keep-alive-ms MS] [--payload BYTES]";

/// The servers' options.
pub struct Options {
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// How often the producer appends an event.
    pub interval: Duration,
    /// How long a stream may be quiet before a keep-alive comment.
    pub keep_alive: Duration,
    /// Bytes of padding in each event's data.
    pub payload: usize,
}

/// Reads the options from the command line's arguments (after the
/// program's name).
///
/// # Errors
///
/// A message naming the flag that is unknown or has a bad value.
pub fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
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

/// Raises the open-file limit, listens on 127.0.0.1 (with a long accept
/// queue, for thousands of clients connecting at once), prints `listening
/// on http://ADDRESS/`, and starts the producer on a new hub. `name` is the
/// program's, for its diagnostics.
///
/// # Errors
///
/// When the port cannot be had.
pub fn start(
    name: &str,
    options: &Options,
) -> std::io::Result<(TcpListener, Arc<Hub<LOG_EVENTS>>)> {
    // One descriptor per client: allow far more than the usual 1024.
    let wanted = 1 << 20;
    let allowed = raise_open_files(wanted);
    if allowed < wanted {
        eprintln!("{name}: at most {allowed} open files, so about as many clients");
    }
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))?;
    let listener = socket.listen(4096)?;
    println!("listening on http://{}/", listener.local_addr()?);
    let _ = std::io::stdout().flush();

    // IDs count from the start time in milliseconds: never one of an
    // earlier run, so a client resuming across a restart gets a `reset`.
    let first_id = wire::now_us() / 1000;
    let hub = Arc::new(Hub::<LOG_EVENTS>::new(LOG_BYTES, first_id, options.keep_alive));
    tokio::spawn(produce(Arc::clone(&hub), options.interval, options.payload));
    Ok((listener, hub))
}
