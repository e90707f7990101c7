//! Side-by-side SSE writers: sse-wire's encoder and every other crate with
//! an SSE writer that builds here, writing the same events in the same run.
//!
//! ```text
//! cargo run --release --manifest-path benches/writers/Cargo.toml
//! cargo run --release --manifest-path benches/writers/Cargo.toml -- --quick
//! cargo run --release --manifest-path benches/writers/Cargo.toml -- --cell ROW WRITER
//! ```
//!
//! The events are those the parser workloads of `benches/workloads/`
//! dispatch (W1 small events, W2 LLM events with a type and an ID, W3 1 MiB
//! lines, W4 50-line data): each becomes an event to write, with its type
//! unless it is `message` and its ID unless it is empty. Every writer does
//! what a server does: it builds what the server sends, for every event,
//! inside each timed run:
//!
//! - "sse-wire slice": `Frame::encode_to_slice` of every event, one after
//!   another, into one buffer (allocated once, outside the timing);
//! - "sse-wire Vec": `Frame::append_to_vec` of every event into one `Vec`,
//!   cleared at the start of each run and reused from run to run;
//! - "sse-wire fresh Vec": `Frame::encode_to_vec`, a new `Vec` per event;
//! - "sse-wire 64 B": the resumable `Encoder` of each event through a
//!   64-byte transmit buffer;
//! - "axum": an `axum::response::sse::Event` per event (`.event`, `.id`,
//!   `.data`), sent through `Sse`, whose response body is polled for its
//!   frames (one `Bytes` per event, what axum hands to hyper);
//! - "sse-stream": an `Sse` per event (its fields are owned `String`s),
//!   `Sse::encode` to `Bytes`, what its `SseBody` sends;
//! - "sse-codec": an `Event::message` per event (owned `String`s), encoded
//!   by `SSECodec` into one `BytesMut`, cleared at the start of each run and
//!   reused, as its `FramedWrite` does;
//! - "async-sse": `Sender::send` per event, its `Encoder` (an
//!   `AsyncBufRead`) drained as the sender fills its channel, on a minimal
//!   executor;
//! - "memcpy": each event's bytes as sse-wire writes them, made before the
//!   run, copied one event after another into the buffer of the slice path:
//!   the same copies of the same bytes, the floor for writing them at all.
//!
//! Before anything is timed, every writer writes every row once and its
//! output is parsed back by sse-wire's `GrowableParser`; the events must be
//! those given, in order (type, data and ID). A writer that departs is not
//! timed and the table says so; an sse-wire path that departs fails the
//! run. Then the edge cases ([`EDGES`]), each a one-event stream, are
//! written by each writer and read back, giving the correctness table.
//!
//! A cell is timed in five rounds; each round times every cell of the
//! table once, in its own process (at least 5 runs, for at least 0.6 s),
//! so that a stretch of load on a shared machine falls on every writer of
//! a row alike. The cell is the median of its rounds' medians, in MiB/s
//! of the stream as sse-wire writes it (the workload's bytes), so every
//! writer of a row is measured against the same figure. A cell whose one
//! run takes longer than the timeout is stopped and shown as "< N s".
//! Every timed run hands its output to a sink that counts the bytes, and
//! the count must match the checked run's.
//!
//! `--quick` uses small workloads and one run per cell: it checks
//! agreement (CI runs it), its speeds mean little. `--cell ROW WRITER`
//! times one cell (rows numbered from 0; `WRITER` as in the header); add
//! `--check` to check it instead.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use cells::{first_run_done, format_speed, watchdog, Outcome, Ready};
use futures_io::AsyncBufRead;
use sse_wire::{Encoder, Frame, GrowableParser, Progress, Status};

#[path = "../../cells/mod.rs"]
mod cells;
#[path = "../../workloads/mod.rs"]
mod workloads;

// --- The events -------------------------------------------------------------

/// One event to write.
#[derive(Clone, Debug)]
struct Input {
    /// `None` for the default type, `message`.
    event_type: Option<String>,
    /// `None` for no `id` line.
    id: Option<String>,
    data: String,
}

impl Input {
    fn frame(&self) -> Frame<'_> {
        Frame::Event {
            event_type: self.event_type.as_deref(),
            id: self.id.as_deref(),
            data: Some(&self.data),
        }
    }
}

/// What a parser reads back: (type, data, last event ID).
type ReadBack = (String, String, String);

/// Where a writer's output goes: every buffer it produces, in order.
enum Out {
    /// The timed runs: only the count.
    Count(usize),
    /// The check: every byte.
    Keep(Vec<u8>),
}

impl Out {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        match self {
            Out::Count(n) => *n += black_box(bytes).len(),
            Out::Keep(all) => all.extend_from_slice(bytes),
        }
    }

    fn len(&self) -> usize {
        match self {
            Out::Count(n) => *n,
            Out::Keep(all) => all.len(),
        }
    }
}

/// Memory a writer keeps from run to run, made outside the timing.
struct Scratch {
    /// The slice path's buffer (and memcpy's), large enough for the row.
    buf: Vec<u8>,
    /// The reused `Vec`.
    vec: Vec<u8>,
    /// sse-codec's reused buffer.
    bytes: futures_codec::BytesMut,
    /// The row's events as sse-wire writes them, for memcpy.
    wire: Vec<Vec<u8>>,
}

// --- The writers ------------------------------------------------------------

type Writer = fn(&'static [Input], &mut Scratch, &mut Out);

/// The contestants, sse-wire's paths first.
const WRITERS: [(&str, Writer); 8] = [
    ("sse-wire slice", sse_wire_slice),
    ("sse-wire Vec", sse_wire_vec),
    ("sse-wire fresh Vec", sse_wire_fresh),
    ("sse-wire 64 B", sse_wire_incremental),
    ("axum", axum),
    ("sse-stream", sse_stream),
    ("sse-codec", sse_codec),
    ("async-sse", async_sse),
];

/// How many of [`WRITERS`] are sse-wire's.
const SSE_WIRE: usize = 4;

/// The other writers that build a fresh buffer per event, the kind the
/// "fresh Vec" path is compared with.
const FRESH_PEERS: [&str; 3] = ["axum", "sse-stream", "async-sse"];

fn sse_wire_slice(inputs: &'static [Input], scratch: &mut Scratch, out: &mut Out) {
    let mut at = 0;
    for input in inputs {
        let rest = scratch.buf.get_mut(at..).expect("room");
        at += input.frame().encode_to_slice(rest).expect("a valid frame");
    }
    out.put(&scratch.buf[..at]);
}

fn sse_wire_vec(inputs: &'static [Input], scratch: &mut Scratch, out: &mut Out) {
    scratch.vec.clear();
    for input in inputs {
        input
            .frame()
            .append_to_vec(&mut scratch.vec)
            .expect("a valid frame");
    }
    out.put(&scratch.vec);
}

fn sse_wire_fresh(inputs: &'static [Input], _: &mut Scratch, out: &mut Out) {
    for input in inputs {
        out.put(&input.frame().encode_to_vec().expect("a valid frame"));
    }
}

fn sse_wire_incremental(inputs: &'static [Input], _: &mut Scratch, out: &mut Out) {
    let mut tx = [0u8; 64];
    for input in inputs {
        let mut encoder = Encoder::new(&input.frame()).expect("a valid frame");
        loop {
            let (progress, n) = encoder.encode(&mut tx);
            out.put(&tx[..n]);
            if progress == Progress::Done {
                break;
            }
        }
    }
}

fn axum(inputs: &'static [Input], _: &mut Scratch, out: &mut Out) {
    use axum::response::{sse::Event, IntoResponse, Sse};
    use http_body::Body as _;
    let events = inputs.iter().map(|input| {
        let mut event = Event::default();
        if let Some(event_type) = &input.event_type {
            event = event.event(event_type);
        }
        if let Some(id) = &input.id {
            event = event.id(id);
        }
        Ok::<_, Infallible>(event.data(&input.data))
    });
    let mut body = Sse::new(Ready(events)).into_response().into_body();
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match Pin::new(&mut body).poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    out.put(&data);
                }
            }
            Poll::Ready(None) => break,
            Poll::Ready(Some(Err(error))) => panic!("axum: {error}"),
            Poll::Pending => panic!("axum: pending on a ready stream"),
        }
    }
}

fn sse_stream(inputs: &'static [Input], _: &mut Scratch, out: &mut Out) {
    for input in inputs {
        let mut event = sse_stream::Sse::default().data(input.data.as_str());
        if let Some(event_type) = &input.event_type {
            event = event.event(event_type.as_str());
        }
        if let Some(id) = &input.id {
            event = event.id(id.as_str());
        }
        out.put(&event.encode().expect("a valid event"));
    }
}

fn sse_codec(inputs: &'static [Input], scratch: &mut Scratch, out: &mut Out) {
    use futures_codec::Encoder as _;
    let mut codec = sse_codec::SSECodec::default();
    scratch.bytes.clear();
    for input in inputs {
        let event_type = input.event_type.as_deref().unwrap_or("message");
        let event = sse_codec::Event::message(event_type, &input.data, input.id.as_deref());
        codec
            .encode(event, &mut scratch.bytes)
            .expect("sse-codec encodes");
    }
    out.put(&scratch.bytes);
}

fn async_sse(inputs: &'static [Input], _: &mut Scratch, out: &mut Out) {
    let (sender, encoder) = async_sse::encode();
    let mut send = pin!(async move {
        for input in inputs {
            let sent = sender.send(
                input.event_type.as_deref(),
                &input.data,
                input.id.as_deref(),
            );
            sent.await.expect("the encoder is open");
        }
    });
    let mut encoder = pin!(encoder);
    let mut cx = Context::from_waker(Waker::noop());
    let mut sending = true;
    loop {
        if sending && send.as_mut().poll(&mut cx).is_ready() {
            sending = false;
        }
        // Drain what the sender has queued; `Pending` until it sends more.
        loop {
            match encoder.as_mut().poll_fill_buf(&mut cx) {
                Poll::Ready(Ok([])) => return,
                Poll::Ready(Ok(bytes)) => {
                    out.put(bytes);
                    let n = bytes.len();
                    encoder.as_mut().consume(n);
                }
                Poll::Ready(Err(error)) => panic!("async-sse: {error}"),
                Poll::Pending if sending => break,
                Poll::Pending => panic!("async-sse: pending with nothing left to send"),
            }
        }
    }
}

fn memcpy(_: &'static [Input], scratch: &mut Scratch, out: &mut Out) {
    let mut at = 0;
    for event in &scratch.wire {
        let end = at + event.len();
        scratch.buf[at..end].copy_from_slice(black_box(event));
        at = end;
    }
    out.put(&scratch.buf[..at]);
}

fn writer(who: &str) -> Writer {
    match WRITERS.iter().find(|(name, _)| *name == who) {
        Some((_, run)) => *run,
        None if who == "memcpy" => memcpy,
        None => panic!("no writer {who}"),
    }
}

// --- Reading back -------------------------------------------------------------

/// The events a conforming parser reads from `wire`, or why it could not.
fn read_back(wire: &[u8]) -> Result<Vec<ReadBack>, String> {
    let mut parser = GrowableParser::default();
    let mut input = wire;
    let mut events = Vec::new();
    loop {
        match parser.next(&mut input) {
            Ok(Status::NeedInput) => break,
            Ok(Status::Event(event)) => events.push((
                event.event_type().to_owned(),
                event.data().to_owned(),
                event.last_event_id().to_owned(),
            )),
            Ok(_) => {}
            Err(error) => return Err(format!("the parser refused it: {error}")),
        }
    }
    Ok(events)
}

/// Where `got` first departs from `expected`, if it does.
fn difference(got: &[ReadBack], expected: &[ReadBack]) -> Option<String> {
    let short = |text: &str| format!("{:?}", text.chars().take(40).collect::<String>());
    let describe =
        |(t, d, i): &ReadBack| format!("type {}, data {}, id {}", short(t), short(d), short(i));
    if let Some(at) = got.iter().zip(expected).position(|(a, b)| a != b) {
        return Some(format!(
            "event {at}: {}, expected {}",
            describe(&got[at]),
            describe(&expected[at])
        ));
    }
    (got.len() != expected.len())
        .then(|| format!("{} events, {} expected", got.len(), expected.len()))
}

// --- The rows -----------------------------------------------------------------

/// A row of the table: a workload's events.
struct RowSpec {
    label: &'static str,
    make: fn(bool) -> workloads::Workload,
}

fn rows() -> Vec<RowSpec> {
    use workloads::*;
    // Full size, or (quick) about a hundredth of it.
    fn scale(quick: bool, n: usize) -> usize {
        if quick {
            n / 100
        } else {
            n
        }
    }
    vec![
        RowSpec {
            label: "W1 small events",
            make: |q| w1_small_events(scale(q, 100_000)),
        },
        RowSpec {
            label: "W2 LLM events (type, id, data)",
            make: |q| w2_llm_tokens(scale(q, 200_000)),
        },
        RowSpec {
            label: "W3 1 MiB lines",
            make: |q| w3_large_lines(if q { 2 } else { 32 }, 1 << 20),
        },
        RowSpec {
            label: "W4 50-line data",
            make: |q| w4_multi_line(scale(q, 2_000)),
        },
    ]
}

/// A row's events to write (leaked: the writers take them as `'static`,
/// as axum's `Sse` does), what must read back, and the scratch memory.
fn prepare(row: &RowSpec, quick: bool) -> (&'static [Input], Vec<ReadBack>, Scratch) {
    let workload = (row.make)(quick);
    let inputs: Vec<Input> = workload
        .events
        .iter()
        .map(|event| Input {
            event_type: (event.event_type != "message").then(|| event.event_type.clone()),
            id: (!event.id.is_empty()).then(|| event.id.clone()),
            data: event.data.clone(),
        })
        .collect();
    let expected = workload
        .events
        .iter()
        .map(|e| (e.event_type.clone(), e.data.clone(), e.id.clone()))
        .collect();
    let wire: Vec<Vec<u8>> = inputs
        .iter()
        .map(|input| input.frame().encode_to_vec().expect("a valid frame"))
        .collect();
    let scratch = Scratch {
        buf: vec![0; wire.iter().map(Vec::len).sum()],
        vec: Vec::new(),
        bytes: futures_codec::BytesMut::new(),
        wire,
    };
    (Box::leak(inputs.into_boxed_slice()), expected, scratch)
}

// --- The edge cases -------------------------------------------------------------

/// Data that trips writers up: what is written, and what a parser must read
/// back. A CR or CRLF in data is a line break to every parser, so it reads
/// back as LF; everything else reads back exactly as given.
const EDGES: [(&str, &str, &str); 9] = [
    ("CRLF in data", "a\r\nb", "a\nb"),
    ("lone CR in data", "a\rb", "a\nb"),
    ("trailing LF", "a\n", "a\n"),
    ("empty data", "", ""),
    ("leading space", " a", " a"),
    ("empty line inside", "a\n\nb", "a\n\nb"),
    ("data only LF", "\n", "\n"),
    (
        "field text inside data",
        "x\nid: 9\nevent: y",
        "x\nid: 9\nevent: y",
    ),
    ("non-ASCII", "é 日本 🙂", "é 日本 🙂"),
];

/// Whether `who` writes the edge case `data` (with a type and an ID) so
/// that it reads back as `expected`. A writer that panics fails it.
fn edge_ok(who: &str, data: &str, expected: &str) -> bool {
    let inputs: &'static [Input] = Box::leak(Box::new([Input {
        event_type: Some("edge".to_owned()),
        id: Some("1".to_owned()),
        data: data.to_owned(),
    }]));
    let run = writer(who);
    let result = std::panic::catch_unwind(|| {
        let mut scratch = Scratch {
            buf: vec![0; 256],
            vec: Vec::new(),
            bytes: futures_codec::BytesMut::new(),
            wire: Vec::new(),
        };
        let mut out = Out::Keep(Vec::new());
        run(inputs, &mut scratch, &mut out);
        match out {
            Out::Keep(wire) => wire,
            Out::Count(_) => unreachable!(),
        }
    });
    let expected = [("edge".to_owned(), expected.to_owned(), "1".to_owned())];
    matches!(result.map(|wire| read_back(&wire)), Ok(Ok(events)) if events == expected)
}

// --- The run ----------------------------------------------------------------------

struct Settings {
    quick: bool,
    /// A cell stops sampling once it has spent this long.
    budget: Duration,
    /// A cell whose single run takes longer than this is stopped.
    timeout: Duration,
    /// How many times every cell is timed, each time in its own process.
    rounds: usize,
}

const USAGE: &str =
    "usage: sse-wire-writers [--quick] [--timeout SECONDS] [--cell ROW WRITER [--check]]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|arg| arg == "--quick");
    let timeout: u64 = match args.iter().position(|arg| arg == "--timeout") {
        Some(at) => args.get(at + 1).and_then(|s| s.parse().ok()).expect(USAGE),
        None => 10,
    };
    let settings = Settings {
        quick,
        budget: Duration::from_millis(if quick { 0 } else { 600 }),
        timeout: Duration::from_secs(timeout),
        rounds: if quick { 1 } else { 5 },
    };
    if let Some(at) = args.iter().position(|arg| arg == "--cell") {
        let row: usize = args.get(at + 1).and_then(|s| s.parse().ok()).expect(USAGE);
        let who = args.get(at + 2).expect(USAGE);
        let rows = rows();
        let row = rows.get(row).expect("no such row");
        if args.iter().any(|arg| arg == "--check") {
            check_cell(row, who, &settings);
        } else {
            time_cell(row, who, &settings);
        }
        return;
    }

    let rows = rows();
    // Phase one: every writer on every row, read back.
    let mut verdicts = Vec::new();
    let mut failures = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        eprintln!("checking {index}: {}", row.label);
        let mut row_verdicts = Vec::new();
        for (column, (who, _)) in WRITERS.iter().enumerate() {
            let verdict = match spawn_cell(index, who, &settings, true) {
                Outcome::Done(report) => match report.difference {
                    None => Verdict::Agrees,
                    Some(how) => Verdict::Differs(how),
                },
                Outcome::Failed(status) => Verdict::Differs(format!("it failed ({status})")),
                Outcome::TimedOut => Verdict::TimedOut,
            };
            eprintln!("  {who:<20} {verdict:?}");
            if column < SSE_WIRE && !matches!(verdict, Verdict::Agrees) {
                failures.push(format!("{}: {who}: {verdict:?}", row.label));
            }
            row_verdicts.push(verdict);
        }
        verdicts.push(row_verdicts);
    }
    // The edge cases, in this process: they are tiny.
    let edges: Vec<Vec<bool>> = EDGES
        .iter()
        .map(|(_, data, expected)| {
            WRITERS
                .iter()
                .map(|(who, _)| edge_ok(who, data, expected))
                .collect()
        })
        .collect();
    for ((name, _, _), row) in EDGES.iter().zip(&edges) {
        for ((who, _), ok) in WRITERS[..SSE_WIRE].iter().zip(row) {
            if !ok {
                failures.push(format!(
                    "edge case {name}: {who} does not read back as given"
                ));
            }
        }
    }
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("{failure}");
        }
        eprintln!("{} failures of the check; nothing timed", failures.len());
        std::process::exit(1);
    }

    // Phase two: the timing, in rounds: each round times every cell of
    // every row once, so a stretch of load on the machine falls on every
    // writer of a row alike rather than on a few of them; a cell is the
    // median of its rounds.
    let mut rounds: Vec<Vec<Vec<Cell>>> = Vec::new();
    for round in 0..settings.rounds {
        let mut round_cells = Vec::new();
        for (index, (row, row_verdicts)) in rows.iter().zip(&verdicts).enumerate() {
            eprintln!("timing {index}: {}, round {}", row.label, round + 1);
            let mut cells = Vec::new();
            for ((who, _), verdict) in WRITERS.iter().zip(row_verdicts) {
                let cell = match verdict {
                    Verdict::Agrees => time(index, who, &settings),
                    Verdict::Differs(_) => Cell::Excluded,
                    Verdict::TimedOut => Cell::TimedOut,
                };
                eprintln!("  {who:<20} {cell:?}");
                cells.push(cell);
            }
            let floor = time(index, "memcpy", &settings);
            eprintln!("  {:<20} {floor:?}", "memcpy");
            cells.push(floor);
            round_cells.push(cells);
        }
        rounds.push(round_cells);
    }
    let results: Vec<(usize, Vec<Cell>)> = (0..rows.len())
        .map(|row| {
            let cells = (0..=WRITERS.len())
                .map(|column| {
                    let mut speeds = Vec::new();
                    for round in &rounds {
                        match round[row][column] {
                            Cell::Speed(speed) => speeds.push(speed),
                            other => return other,
                        }
                    }
                    speeds.sort_by(f64::total_cmp);
                    Cell::Speed(speeds[speeds.len() / 2])
                })
                .collect();
            (row, cells)
        })
        .collect();
    print_table(&rows, &verdicts, &results, &edges, &settings);
}

#[derive(Clone, Debug)]
enum Verdict {
    Agrees,
    Differs(String),
    TimedOut,
}

#[derive(Clone, Copy, Debug)]
enum Cell {
    Speed(f64),
    TimedOut,
    Excluded,
}

fn time(row: usize, who: &str, settings: &Settings) -> Cell {
    match spawn_cell(row, who, settings, false) {
        Outcome::Done(report) => Cell::Speed(report.mib_per_s.expect("a speed")),
        Outcome::TimedOut => Cell::TimedOut,
        Outcome::Failed(status) => panic!("{who} failed on row {row} ({status})"),
    }
}

#[derive(Debug, Default)]
struct Report {
    difference: Option<String>,
    mib_per_s: Option<f64>,
}

/// Runs one cell in a child process (see `cells::spawn_cell`) and reads
/// its report.
fn spawn_cell(row: usize, who: &str, settings: &Settings, check: bool) -> Outcome<Report> {
    let read = |report: &mut Report, key: &str, value: &str| match key {
        "differs" => report.difference = Some(value.to_owned()),
        "speed" => report.mib_per_s = Some(value.parse().expect("a speed")),
        _ => {}
    };
    cells::spawn_cell(row, who, settings.timeout, settings.quick, check, read)
}

/// The child's side of the check: one run, its output read back.
fn check_cell(row: &RowSpec, who: &str, settings: &Settings) {
    let run = writer(who);
    let (inputs, expected, mut scratch) = prepare(row, settings.quick);
    watchdog(settings.timeout);
    let mut out = Out::Keep(Vec::new());
    run(inputs, &mut scratch, &mut out);
    first_run_done();
    let Out::Keep(wire) = out else { unreachable!() };
    let found = match read_back(&wire) {
        Ok(events) => difference(&events, &expected),
        Err(why) => Some(why),
    };
    if let Some(how) = found {
        println!("differs {how}");
    }
}

/// The child's side of the timing: a first run, then the timed ones, each
/// checked to have handed out as many bytes as the first.
fn time_cell(row: &RowSpec, who: &str, settings: &Settings) {
    let run = writer(who);
    let (inputs, _, mut scratch) = prepare(row, settings.quick);
    let len = scratch.buf.len();
    watchdog(settings.timeout);
    let mut first = Out::Count(0);
    run(inputs, &mut scratch, &mut first);
    first_run_done();
    let start = Instant::now();
    let mut speeds = Vec::new();
    let least = if settings.quick { 1 } else { 5 };
    let more = |runs: usize, spent: Duration| {
        (runs < least && spent < settings.timeout) || (spent < settings.budget && runs < 51)
    };
    while speeds.is_empty() || more(speeds.len(), start.elapsed()) {
        let mut out = Out::Count(0);
        let began = Instant::now();
        run(inputs, &mut scratch, &mut out);
        let seconds = began.elapsed().as_secs_f64();
        assert_eq!(
            out.len(),
            first.len(),
            "{who}: not what the first run wrote"
        );
        speeds.push(len as f64 / (1 << 20) as f64 / seconds);
    }
    speeds.sort_by(f64::total_cmp);
    println!("speed {}", speeds[speeds.len() / 2]);
}

// --- The tables ---------------------------------------------------------------------

fn print_table(
    rows: &[RowSpec],
    verdicts: &[Vec<Verdict>],
    results: &[(usize, Vec<Cell>)],
    edges: &[Vec<bool>],
    settings: &Settings,
) {
    let speed = |cell: &Cell| match *cell {
        Cell::Speed(mib_per_s) => mib_per_s,
        Cell::TimedOut | Cell::Excluded => 0.0,
    };
    print!("| events |");
    for (name, _) in WRITERS {
        print!(" {name} |");
    }
    println!(
        " memcpy | slice ÷ fastest other | Vec ÷ fastest other | fresh Vec ÷ fastest other fresh | 64 B ÷ fastest other | slice ÷ memcpy |"
    );
    println!("|---|{}", "---:|".repeat(WRITERS.len() + 6));
    for (index, cells) in results {
        print!("| {} |", rows[*index].label);
        for cell in &cells[..=WRITERS.len()] {
            match *cell {
                Cell::Speed(mib_per_s) => print!(" {} |", format_speed(mib_per_s)),
                Cell::TimedOut => print!(" < {} s |", settings.timeout.as_secs()),
                Cell::Excluded => print!(" ≠ |"),
            }
        }
        let others = &cells[SSE_WIRE..WRITERS.len()];
        let best = others.iter().map(speed).fold(0.0, f64::max);
        let best_fresh = WRITERS[SSE_WIRE..]
            .iter()
            .zip(others)
            .filter(|((who, _), _)| FRESH_PEERS.contains(who))
            .map(|(_, cell)| speed(cell))
            .fold(0.0, f64::max);
        let ratio = |ours: &Cell, theirs: f64| format!("{:.2}×", speed(ours) / theirs);
        println!(
            " {} | {} | {} | {} | {:.2}× |",
            ratio(&cells[0], best),
            ratio(&cells[1], best),
            ratio(&cells[2], best_fresh),
            ratio(&cells[3], best),
            speed(&cells[0]) / speed(&cells[WRITERS.len()]),
        );
    }
    println!();
    println!(
        "MiB/s of the stream as sse-wire writes it, the median of {} rounds of at least {} runs each; every writer builds what a server sends for every event inside each run, and its output was parsed back and checked against the events first.",
        settings.rounds,
        if settings.quick { 1 } else { 5 }
    );
    if settings.quick {
        println!(
            "Quick: one run on small inputs; the check is what counts here, not these speeds."
        );
    }
    for (row, row_verdicts) in rows.iter().zip(verdicts) {
        for ((who, _), verdict) in WRITERS.iter().zip(row_verdicts) {
            if let Verdict::Differs(how) = verdict {
                println!(
                    "≠: {who} on {}: not read back as given, not timed: {how}.",
                    row.label
                );
            }
        }
    }
    println!();
    print!("| edge case (data) | reads back as |");
    for (name, _) in WRITERS {
        print!(" {name} |");
    }
    println!();
    println!("|---|---|{}", ":---:|".repeat(WRITERS.len()));
    for ((name, data, expected), row) in EDGES.iter().zip(edges) {
        print!("| {name}: {} | {} |", escape(data), escape(expected));
        for ok in row {
            print!(" {} |", if *ok { "yes" } else { "**no**" });
        }
        println!();
    }
    println!();
    println!(
        "Each edge case is one event with type `edge`, ID `1` and the data shown, written alone; \"yes\": sse-wire's parser reads back exactly that event, with the data in the second column."
    );
}

/// Data for a Markdown table cell: line breaks as escapes, in code spans.
fn escape(text: &str) -> String {
    match text {
        "" => "(empty)".to_owned(),
        text => format!("`{}`", text.replace('\r', "\\r").replace('\n', "\\n")),
    }
}
