//! `load`: holds thousands of concurrent SSE clients on loopback against the
//! axum server, checks every event they get, and measures the server.
//!
//! ```text
//! cargo run --release --bin load -- [--clients N] [--hold-s S] [--interval-ms MS]
//!     [--payload BYTES] [--resume-every K] [--sources K] [--deadline-s S]
//!     [--server NAME|PATH | --connect HOST:PORT --server-pid PID]
//! ```
//!
//! It starts the server binary built next to it (`server`, or another with
//! `--server NAME`, e.g. `bare`, or `--server PATH`) on a free port of
//! 127.0.0.1, or uses a server already running
//! (`--connect` and `--server-pid`, to read its memory). Then:
//!
//! 1. reads the server's resident memory (`VmRSS` in `/proc/PID/status`);
//! 2. opens `--clients` connections (default 10,000), at most 512 in
//!    flight at once, each a tokio task that sends `GET /events` and reads the
//!    stream with sse-wire's [`Parser`]; it reports how long each took to
//!    get its response head;
//! 3. with all of them connected, reads the server's memory again: the
//!    difference over the client count is the memory per client;
//! 4. holds them for `--hold-s` seconds (default 10). Halfway, every
//!    `--resume-every`-th client (default 10th) drops its connection and
//!    reconnects with `Last-Event-ID`; the server resumes it from its replay
//!    log;
//! 5. each client then reads up to the first event sent after the hold and
//!    stops.
//!
//! Every event is checked: IDs consecutive from a client's first event to
//! its last, across its reconnection too (none lost, none repeated), data
//! exactly as the producer wrote it ([`sse_wire_axum::wire`]), no `reset`.
//! The latency of an event is the client's clock at receipt minus the
//! producer's clock in the data, both the system clock of this machine; it
//! is reported for the live events received during the hold, and apart for
//! the events replayed to the clients that reconnected (whose delay is
//! mostly the time they were away).
//!
//! Bounded: it talks only to 127.0.0.1 (and 127.0.0.2.. with `--sources`),
//! and ends by `--deadline-s` (default 30) whatever happens, reporting what
//! it saw. Exit status 0 when every client connected and every check
//! passed, 1 otherwise, 2 on a usage error.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sse_wire::{Parser, Status};
use sse_wire_axum::raise_open_files;
use sse_wire_axum::wire::{check_data, now_us};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{Notify, Semaphore};
use tokio::time::{sleep, timeout, timeout_at};

const USAGE: &str = "usage: load [--clients N] [--hold-s S] [--interval-ms MS] [--payload BYTES] \
     [--resume-every K] [--sources K] [--deadline-s S] \
     [--server NAME|PATH | --connect HOST:PORT --server-pid PID]";

/// Connections waiting for their response head at once: enough to connect
/// 10,000 clients in a second or two without overflowing the server's
/// accept queue.
const IN_FLIGHT: usize = 512;

/// A client that gets nothing (not even the server's keep-alive comment)
/// for this long has stalled.
const QUIET_LIMIT: Duration = Duration::from_secs(5);

/// The keep-alive the started server is given, well inside [`QUIET_LIMIT`].
const KEEP_ALIVE_MS: u64 = 1000;

struct Options {
    clients: usize,
    hold: Duration,
    interval_ms: u64,
    payload: usize,
    resume_every: usize,
    sources: u8,
    deadline: Duration,
    server: Option<PathBuf>,
    connect: Option<SocketAddrV4>,
    server_pid: Option<u32>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        clients: 10_000,
        hold: Duration::from_secs(10),
        interval_ms: 100,
        payload: 64,
        resume_every: 10,
        sources: 1,
        deadline: Duration::from_secs(30),
        server: None,
        connect: None,
        server_pid: None,
    };
    while let Some(flag) = args.next() {
        if flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value.parse::<u64>().map_err(|_| format!("{flag} takes a whole number, not {value:?}"))
        };
        match flag.as_str() {
            "--clients" => options.clients = number()?.clamp(1, 100_000) as usize,
            "--hold-s" => options.hold = Duration::from_secs(number()?.clamp(1, 600)),
            "--interval-ms" => options.interval_ms = number()?.clamp(1, 60_000),
            "--payload" => options.payload = number()?.min(16_384) as usize,
            "--resume-every" => options.resume_every = number()? as usize,
            "--sources" => options.sources = number()?.clamp(1, 250) as u8,
            "--deadline-s" => options.deadline = Duration::from_secs(number()?.clamp(5, 3600)),
            "--server" => options.server = Some(PathBuf::from(value)),
            "--server-pid" => options.server_pid = Some(number()? as u32),
            "--connect" => {
                let address: SocketAddrV4 = value
                    .parse()
                    .map_err(|_| format!("--connect takes HOST:PORT, not {value:?}"))?;
                if !address.ip().is_loopback() {
                    return Err("--connect: only loopback addresses (127.0.0.0/8)".into());
                }
                options.connect = Some(address);
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if options.connect.is_some() != options.server_pid.is_some() {
        return Err("--connect and --server-pid go together".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("load: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("load: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let passed = runtime.block_on(run(options));
    // Tasks still reading from a server that went away are not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The server under test: started here (and killed when dropped), or one
/// already running.
struct Server {
    address: SocketAddrV4,
    pid: u32,
    _child: Option<Child>,
}

async fn start_server(options: &Options) -> Result<Server, String> {
    if let (Some(address), Some(pid)) = (options.connect, options.server_pid) {
        return Ok(Server { address, pid, _child: None });
    }
    // A bare name is a program built next to this one.
    let program = match &options.server {
        Some(path) if path.components().count() > 1 => path.clone(),
        named => std::env::current_exe()
            .map_err(|error| format!("cannot find this program's folder: {error}"))?
            .with_file_name(named.as_deref().unwrap_or("server".as_ref())),
    };
    let mut child = Command::new(&program)
        .args([
            "--port",
            "0",
            "--interval-ms",
            &options.interval_ms.to_string(),
            "--keep-alive-ms",
            &KEEP_ALIVE_MS.to_string(),
            "--payload",
            &options.payload.to_string(),
        ])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", program.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let stdout = child.stdout.take().ok_or("no pipe from the server")?;
    let mut line = String::new();
    let mut lines = BufReader::new(stdout);
    timeout(Duration::from_secs(10), lines.read_line(&mut line))
        .await
        .map_err(|_| "the server printed no address within 10 s")?
        .map_err(|error| format!("reading the server's address: {error}"))?;
    // "listening on http://127.0.0.1:PORT/"
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.trim().trim_end_matches('/').parse().ok())
        .ok_or(format!("no address in the server's first line {line:?}"))?;
    // The rest of its output is not needed; keep the pipe drained.
    tokio::spawn(async move {
        let mut sink = Vec::new();
        let _ = lines.read_to_end(&mut sink).await;
    });
    Ok(Server { address, pid, _child: Some(child) })
}

/// `VmRSS` of a process in bytes.
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU time (user and system) a process used so far, in seconds, from
/// `/proc/PID/stat` (in clock ticks of 1/100 s, Linux's `USER_HZ`).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// The machine's load average over the last minute: other work on it
/// shows in the latencies.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// What the clients share.
struct Shared {
    server: SocketAddrV4,
    sources: u8,
    payload: usize,
    /// Connections that got their response head.
    connected: AtomicUsize,
    all_connected: Notify,
    clients: usize,
    /// Set halfway through the hold: the chosen clients reconnect.
    resume_now: AtomicBool,
    /// The producer's clock when the hold ends (`u64::MAX` until known):
    /// each client stops at the first event sent at or after it.
    end_us: AtomicU64,
    /// The clock when the CPU time of the hold starts being counted
    /// (`u64::MAX` until then): the events received from then to `end_us`
    /// are the deliveries that CPU time paid for.
    hold_start_us: AtomicU64,
    /// Events received during the hold, by all clients.
    in_hold: AtomicU64,
    /// Connections that cannot wait for their head: limits the burst.
    in_flight: Semaphore,
}

/// What one client saw.
#[derive(Default)]
struct ClientReport {
    /// From `connect` to the response head, in microseconds.
    connect_us: Option<u32>,
    events: u64,
    lost: u64,
    repeated: u64,
    bad: u64,
    resets: u64,
    resumed: bool,
    /// Producer-to-client latencies of the live events received during the
    /// hold, in microseconds.
    latencies: Vec<u32>,
    /// How long after it was sent each event replayed on reconnection
    /// arrived, in microseconds: the time the client was away, mostly.
    replayed: Vec<u32>,
    error: Option<String>,
}

/// Everything that is checked as events arrive.
struct Tracker {
    /// The ID of the last event seen, over reconnections.
    last_id: Option<u64>,
    /// When the reconnection's response head came: events sent before it
    /// are replays from the log.
    resumed_us: u64,
    finished: bool,
}

async fn run(options: Options) -> bool {
    let wanted = options.clients as u64 + 1024;
    let limit = raise_open_files(wanted);
    if limit < wanted {
        eprintln!("load: only {limit} open files allowed, {wanted} wanted: connections may fail");
    }
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + options.deadline;
    let server = match start_server(&options).await {
        Ok(server) => server,
        Err(message) => {
            eprintln!("load: {message}");
            println!("load: 0 passed, 1 failed");
            return false;
        }
    };
    println!(
        "load: {} clients against http://{}/events, an event every {} ms with {} bytes of padding, held {} s",
        options.clients,
        server.address,
        options.interval_ms,
        options.payload,
        options.hold.as_secs()
    );
    // Let the server settle (runtime threads, the first events of its log).
    sleep(Duration::from_millis(500)).await;
    let rss_before = resident_bytes(server.pid);
    let server_pid = server.pid.to_string();
    let load_before = load_average();

    let shared = Arc::new(Shared {
        server: server.address,
        sources: options.sources,
        payload: options.payload,
        connected: AtomicUsize::new(0),
        all_connected: Notify::new(),
        clients: options.clients,
        resume_now: AtomicBool::new(false),
        end_us: AtomicU64::new(u64::MAX),
        hold_start_us: AtomicU64::new(u64::MAX),
        in_hold: AtomicU64::new(0),
        in_flight: Semaphore::new(IN_FLIGHT),
    });
    let connect_start = Instant::now();
    let mut tasks = Vec::with_capacity(options.clients);
    for index in 0..options.clients {
        let shared = Arc::clone(&shared);
        let resumes = options.resume_every > 0 && index % options.resume_every == 0;
        tasks.push(tokio::spawn(client(shared, index, resumes)));
    }

    // Wait for every client's head, until a third of the time is gone.
    let connect_limit = tokio::time::Instant::now() + options.deadline / 3;
    let notified = shared.all_connected.notified();
    let all = shared.connected.load(Ordering::SeqCst) == options.clients
        || timeout_at(connect_limit, notified).await.is_ok();
    let connect_time = connect_start.elapsed();
    let connected = shared.connected.load(Ordering::SeqCst);
    println!(
        "connected: {connected} of {} clients in {:.2} s{}",
        options.clients,
        connect_time.as_secs_f64(),
        if all { "" } else { " (gave up waiting for the rest)" }
    );
    // Memory with every client connected, once their first events went out.
    sleep(Duration::from_secs(1)).await;
    let rss_with = resident_bytes(server.pid);
    let connected_then = shared.connected.load(Ordering::SeqCst);
    let cpu_start = (cpu_seconds(&server_pid), cpu_seconds("self"));
    let hold_start = Instant::now();
    shared.hold_start_us.store(now_us(), Ordering::SeqCst);

    let hold_left = options.hold.saturating_sub(Duration::from_secs(1));
    sleep(hold_left / 2).await;
    shared.resume_now.store(true, Ordering::SeqCst);
    sleep(hold_left - hold_left / 2).await;
    shared.end_us.store(now_us(), Ordering::SeqCst);
    let cpu_end = (cpu_seconds(&server_pid), cpu_seconds("self"));
    // The clients that are behind still count their events of the hold.
    sleep(Duration::from_millis(500)).await;
    let cpu = match (cpu_start, cpu_end) {
        ((Some(server_start), Some(load_start)), (Some(server_end), Some(load_end))) => Some((
            server_end - server_start,
            load_end - load_start,
            hold_start.elapsed().as_secs_f64(),
        )),
        _ => None,
    };
    println!(
        "machine: load average {load_before} at the start, {} at the end of the hold",
        load_average()
    );
    if let Some((server, load, seconds)) = cpu {
        let deliveries = shared.in_hold.load(Ordering::SeqCst).max(1);
        println!(
            "CPU over the {seconds:.1} s of the hold: server {server:.2} s ({:.0}% of a core, {:.1} us per event per client, {deliveries} deliveries), clients {load:.2} s ({:.0}%)",
            server / seconds * 100.0,
            server / deliveries as f64 * 1e6,
            load / seconds * 100.0
        );
    }

    // Every client ends at its first event after the hold; the deadline
    // stops the ones that do not.
    let mut reports = Vec::with_capacity(options.clients);
    let mut unfinished = 0usize;
    for task in tasks {
        match timeout_at(deadline, task).await {
            Ok(Ok(report)) => reports.push(report),
            Ok(Err(_)) => unfinished += 1,
            Err(_) => unfinished += 1,
        }
    }
    let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
    sleep(Duration::from_secs(1).min(remaining)).await;
    let rss_after = resident_bytes(server.pid);

    report(
        &options,
        &reports,
        unfinished,
        (rss_before, rss_with, rss_after),
        connected_then,
        started.elapsed(),
    )
}

fn percentile(sorted: &[u32], per_mille: usize) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[(sorted.len() - 1) * per_mille / 1000]
}

fn ms(us: u32) -> String {
    format!("{:.2} ms", f64::from(us) / 1000.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn report(
    options: &Options,
    reports: &[ClientReport],
    unfinished: usize,
    (before, with, after): (Option<u64>, Option<u64>, Option<u64>),
    connected_then: usize,
    elapsed: Duration,
) -> bool {
    let mut connects: Vec<u32> = reports.iter().filter_map(|r| r.connect_us).collect();
    connects.sort_unstable();
    let mut latencies: Vec<u32> =
        reports.iter().flat_map(|r| r.latencies.iter().copied()).collect();
    latencies.sort_unstable();
    let mut replayed: Vec<u32> = reports.iter().flat_map(|r| r.replayed.iter().copied()).collect();
    replayed.sort_unstable();
    let sum = |f: fn(&ClientReport) -> u64| reports.iter().map(f).sum::<u64>();
    let (events, lost, repeated, bad, resets) = (
        sum(|r| r.events),
        sum(|r| r.lost),
        sum(|r| r.repeated),
        sum(|r| r.bad),
        sum(|r| r.resets),
    );
    let resumed = reports.iter().filter(|r| r.resumed).count();
    let to_resume =
        if options.resume_every == 0 { 0 } else { options.clients.div_ceil(options.resume_every) };
    let errors: Vec<&str> = reports.iter().filter_map(|r| r.error.as_deref()).collect();

    println!(
        "connection time (connect to response head): p50 {}, p99 {}, max {}",
        ms(percentile(&connects, 500)),
        ms(percentile(&connects, 990)),
        ms(connects.last().copied().unwrap_or(0))
    );
    match (before, with) {
        (Some(before), Some(with)) if connected_then > 0 => println!(
            "server memory (VmRSS): {} before, {} with {connected_then} clients: {:.1} KiB per client; {} after they left",
            mib(before),
            mib(with),
            with.saturating_sub(before) as f64 / 1024.0 / connected_then as f64,
            after.map_or("unknown".into(), mib),
        ),
        _ => println!("server memory: not readable"),
    }
    println!(
        "events: {events} received and checked: {lost} lost, {repeated} repeated, {bad} with bad data, {resets} resets; {resumed} of {to_resume} clients resumed with Last-Event-ID"
    );
    println!(
        "latency (producer to client, live events of the hold): p50 {}, p99 {}, max {} over {} events",
        ms(percentile(&latencies, 500)),
        ms(percentile(&latencies, 990)),
        ms(latencies.last().copied().unwrap_or(0)),
        latencies.len()
    );
    println!(
        "replayed on reconnection: {} events, {} after they were sent at the median, {} at most",
        replayed.len(),
        ms(percentile(&replayed, 500)),
        ms(replayed.last().copied().unwrap_or(0)),
    );
    let mut failures = Vec::new();
    if reports.len() + unfinished < options.clients || unfinished > 0 {
        failures.push(format!("{unfinished} clients did not finish by the deadline"));
    }
    if connects.len() < options.clients {
        failures.push(format!(
            "{} clients never got a response head",
            options.clients - connects.len()
        ));
    }
    if !errors.is_empty() {
        failures.push(format!("{} clients failed, the first with: {}", errors.len(), errors[0]));
    }
    if lost + repeated + bad + resets > 0 {
        failures.push("events lost, repeated, changed or reset".into());
    }
    if resumed < to_resume {
        failures.push(format!("only {resumed} of {to_resume} clients resumed"));
    }
    if events == 0 {
        failures.push("no event received".into());
    }
    println!("took {:.1} s", elapsed.as_secs_f64());
    if failures.is_empty() {
        println!("result: every client connected, every event arrived once, in order, as sent");
        println!("load: 1 passed, 0 failed");
        true
    } else {
        for failure in &failures {
            println!("FAILED: {failure}");
        }
        println!("load: 0 passed, 1 failed");
        false
    }
}

/// One client: connects, reads and checks events until the hold is over,
/// reconnecting once halfway with `Last-Event-ID` if `resumes`.
async fn client(shared: Arc<Shared>, index: usize, resumes: bool) -> ClientReport {
    let mut report = ClientReport::default();
    let mut tracker = Tracker { last_id: None, resumed_us: 0, finished: false };
    let source = Ipv4Addr::new(127, 0, 0, 1 + (index % usize::from(shared.sources)) as u8);
    // The first connection, then at most one more to resume.
    let result = async {
        let (stream, rest, chunked) = {
            let _permit = shared.in_flight.acquire().await.map_err(|_| "closed")?;
            let start = Instant::now();
            let opened = open(shared.server, source, None).await?;
            report.connect_us =
                Some(u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX));
            opened
        };
        if shared.connected.fetch_add(1, Ordering::SeqCst) + 1 == shared.clients {
            shared.all_connected.notify_one();
        }
        let resume_at = resumes.then_some(&shared.resume_now);
        let resumed =
            read_events(&shared, stream, rest, chunked, resume_at, &mut tracker, &mut report)
                .await?;
        if resumed && !tracker.finished {
            report.resumed = true;
            let last = tracker.last_id.map(|id| id.to_string());
            let (stream, rest, chunked) = open(shared.server, source, last.as_deref()).await?;
            tracker.resumed_us = now_us();
            read_events(&shared, stream, rest, chunked, None, &mut tracker, &mut report).await?;
        }
        Ok::<(), String>(())
    }
    .await;
    if let Err(message) = result {
        report.error = Some(message);
    }
    report
}

/// Connects from `source`, sends the request, reads the response head;
/// returns the stream, the body bytes read with the head, and whether the
/// body is chunked.
async fn open(
    server: SocketAddrV4,
    source: Ipv4Addr,
    last_event_id: Option<&str>,
) -> Result<(TcpStream, Vec<u8>, bool), String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    if source != Ipv4Addr::LOCALHOST {
        socket
            .bind(SocketAddr::V4(SocketAddrV4::new(source, 0)))
            .map_err(|e| format!("bind {source}: {e}"))?;
    }
    let mut stream = timeout(QUIET_LIMIT, socket.connect(SocketAddr::V4(server)))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    let mut request = format!(
        "GET /events HTTP/1.1\r\nHost: {server}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n"
    );
    if let Some(id) = last_event_id {
        request.push_str(&format!("Last-Event-ID: {id}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("send: {e}"))?;
    let mut head = Vec::with_capacity(1024);
    let end = loop {
        if head.len() > 16 * 1024 {
            return Err("response head over 16 KiB".into());
        }
        let mut chunk = [0u8; 1024];
        let n = timeout(QUIET_LIMIT, stream.read(&mut chunk))
            .await
            .map_err(|_| "no response head in time".to_string())?
            .map_err(|e| format!("read head: {e}"))?;
        if n == 0 {
            return Err("closed before the response head".into());
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let rest = head.split_off(end);
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("");
    if !status.starts_with("http/1.1 200") {
        return Err(format!("status line {status:?}"));
    }
    let mut event_stream = false;
    let mut chunked = false;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim() {
                "content-type" => event_stream = value.trim().starts_with("text/event-stream"),
                "transfer-encoding" => chunked = value.trim() == "chunked",
                _ => {}
            }
        }
    }
    if !event_stream {
        return Err("not text/event-stream".into());
    }
    Ok((stream, rest, chunked))
}

/// Reads events until the client is done (returns false) or, with
/// `resume_at`, until that flag is set (returns true: reconnect).
async fn read_events(
    shared: &Shared,
    mut stream: TcpStream,
    first: Vec<u8>,
    chunked: bool,
    resume_at: Option<&AtomicBool>,
    tracker: &mut Tracker,
    report: &mut ClientReport,
) -> Result<bool, String> {
    let mut parser = Parser::<1024, 64>::new();
    let mut chunks = chunked.then(Chunked::default);
    let mut buffer = vec![0u8; 4096];
    let mut pending = first;
    loop {
        let mut input: &[u8] = &pending;
        while !input.is_empty() {
            let mut piece = match &mut chunks {
                Some(chunks) => match chunks.next(&mut input)? {
                    Some(piece) => piece,
                    None => break,
                },
                None => std::mem::take(&mut input),
            };
            loop {
                match parser.next(&mut piece) {
                    Ok(Status::NeedInput) => break,
                    Ok(Status::Event(event)) => {
                        check_event(
                            shared,
                            event.event_type(),
                            event.data(),
                            event.last_event_id(),
                            tracker,
                            report,
                        );
                        if tracker.finished {
                            return Ok(false);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => report.bad += 1,
                }
            }
        }
        if resume_at.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
            return Ok(true);
        }
        if chunks.as_ref().is_some_and(|c| c.done) {
            return Err("the server ended the stream".into());
        }
        let n = timeout(QUIET_LIMIT, stream.read(&mut buffer))
            .await
            .map_err(|_| format!("nothing for {} s", QUIET_LIMIT.as_secs()))?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        pending.clear();
        pending.extend_from_slice(&buffer[..n]);
    }
}

fn check_event(
    shared: &Shared,
    event_type: &str,
    data: &str,
    id: &str,
    tracker: &mut Tracker,
    report: &mut ClientReport,
) {
    let received_us = now_us();
    report.events += 1;
    if received_us >= shared.hold_start_us.load(Ordering::Relaxed)
        && received_us < shared.end_us.load(Ordering::Relaxed)
    {
        shared.in_hold.fetch_add(1, Ordering::Relaxed);
    }
    if event_type == "reset" {
        report.resets += 1;
        return;
    }
    let Ok(id) = id.parse::<u64>() else {
        report.bad += 1;
        return;
    };
    match tracker.last_id {
        Some(last) if id <= last => report.repeated += 1,
        Some(last) if id > last + 1 => report.lost += id - last - 1,
        _ => {}
    }
    tracker.last_id = Some(tracker.last_id.map_or(id, |last| last.max(id)));
    match check_data(id, data, shared.payload) {
        Ok(sent_us) => {
            let latency = u32::try_from(received_us.saturating_sub(sent_us)).unwrap_or(u32::MAX);
            if sent_us < tracker.resumed_us {
                report.replayed.push(latency);
            } else if received_us >= shared.hold_start_us.load(Ordering::Relaxed)
                && received_us < shared.end_us.load(Ordering::Relaxed)
            {
                report.latencies.push(latency);
            }
            if sent_us >= shared.end_us.load(Ordering::Relaxed) {
                tracker.finished = true;
            }
        }
        Err(_) => report.bad += 1,
    }
}

/// Undoes HTTP/1.1 chunked transfer coding a piece at a time, with no
/// buffer: data pieces are slices of the input.
#[derive(Default)]
struct Chunked {
    state: ChunkState,
    /// The chunk size read so far, then the data bytes left.
    size: u64,
    /// Hex digits in the size line (at most 15).
    digits: u8,
    /// The last chunk (size 0) came.
    done: bool,
}

#[derive(Default, Clone, Copy)]
enum ChunkState {
    #[default]
    Size,
    /// After `;`: a chunk extension, skipped to the line end.
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
}

impl Chunked {
    /// The next piece of data in `input` (advanced past it), or `None` once
    /// `input` is used up or the body ended.
    fn next<'i>(&mut self, input: &mut &'i [u8]) -> Result<Option<&'i [u8]>, String> {
        while !input.is_empty() && !self.done {
            if let ChunkState::Data = self.state {
                let take = usize::try_from(self.size).unwrap_or(usize::MAX).min(input.len());
                let (piece, rest) = input.split_at(take);
                *input = rest;
                self.size -= take as u64;
                if self.size == 0 {
                    self.state = ChunkState::DataCr;
                }
                return Ok(Some(piece));
            }
            let byte = input[0];
            *input = &input[1..];
            self.state = match (self.state, byte) {
                (ChunkState::Size, b'\r') => ChunkState::SizeLf,
                (ChunkState::Size, b';') => ChunkState::Extension,
                (ChunkState::Size, _) => {
                    let digit = char::from(byte).to_digit(16).ok_or("bad chunk size")?;
                    self.digits += 1;
                    if self.digits > 15 {
                        return Err("chunk size too long".into());
                    }
                    self.size = self.size * 16 + u64::from(digit);
                    ChunkState::Size
                }
                (ChunkState::Extension, b'\r') => ChunkState::SizeLf,
                (ChunkState::Extension, _) => ChunkState::Extension,
                (ChunkState::SizeLf, b'\n') if self.digits > 0 => {
                    self.digits = 0;
                    if self.size == 0 {
                        self.done = true;
                        ChunkState::Size
                    } else {
                        ChunkState::Data
                    }
                }
                (ChunkState::DataCr, b'\r') => ChunkState::DataLf,
                (ChunkState::DataLf, b'\n') => ChunkState::Size,
                _ => return Err("bad chunked coding".into()),
            };
        }
        Ok(None)
    }
}
