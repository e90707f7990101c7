//! Side-by-side parser throughput: sse-wire and the other SSE parsers on
//! crates.io, on the same bytes, in the same run.
//!
//! ```text
//! cargo run --release --manifest-path benches/compare/Cargo.toml
//! cargo run --release --manifest-path benches/compare/Cargo.toml -- --quick
//! ```
//!
//! Every contestant parses every workload (those of `benches/parse.rs`) fed
//! as one chunk, in 4 KiB chunks, and one byte per call. Before anything is
//! timed, all contestants must agree on the number of events and the bytes
//! of event data, or the run fails. Each cell is the median of several
//! runs, in MiB/s of input. sse-wire runs twice: taking each event's data
//! as bytes (`Event::data_bytes`, decoded and checked UTF-8) and as a
//! `&str` (`Event::data`, which checks it again to make the `str`). The
//! last columns are their ratios to the fastest other crate, and a `memchr2`
//! scan for line ends over the same chunks: the cost of looking at every
//! byte once, a practical ceiling.
//!
//! `--quick` uses small workloads and one run per cell: it checks agreement
//! (CI runs it), its speeds mean little.

use std::convert::Infallible;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_core::Stream;

#[path = "../../workloads/mod.rs"]
mod workloads;

/// What a contestant saw: events dispatched and bytes of their data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    events: usize,
    data_bytes: usize,
}

impl Tally {
    fn add(&mut self, data: &[u8]) {
        self.events += 1;
        self.data_bytes += black_box(data).len();
    }
}

/// One workload cut into the chunks every contestant is fed.
struct Feed {
    chunks: Vec<&'static [u8]>,
    /// The same chunks as `Bytes`, for the crates that take them; sharing
    /// one allocation, so handing one out costs a reference count.
    bytes: Vec<bytes::Bytes>,
}

type Contestant = (&'static str, fn(&Feed) -> Tally);

const CONTESTANTS: &[Contestant] = &[
    ("sse-wire", sse_wire),
    ("sse-wire (str)", sse_wire_str),
    ("eventsource-stream", eventsource_stream),
    ("eventsource-stream2", eventsource_stream2),
    ("sseer", sseer),
    ("sse-core", sse_core),
    ("sse-parse", sse_parse),
    ("sse-stream", sse_stream),
    ("async-sse", async_sse),
    ("sse-codec", sse_codec),
];

/// sse-wire, taking each event's data as bytes (`Event::data_bytes`): the
/// decoded, checked UTF-8, as a caller that hands it to
/// `serde_json::from_slice` takes it.
fn sse_wire(feed: &Feed) -> Tally {
    sse_wire_with(feed, false)
}

/// sse-wire, taking each event's data as a `&str` (`Event::data`), which
/// checks the bytes as UTF-8 once more: the only way to make a `str`
/// without `unsafe`.
fn sse_wire_str(feed: &Feed) -> Tally {
    sse_wire_with(feed, true)
}

/// The first two contestants are sse-wire; the others are compared with
/// them.
const SSE_WIRE: usize = 2;

/// One function for both, so that the parser is built into one call site,
/// as in a program that reads one stream.
#[inline(never)]
fn sse_wire_with(feed: &Feed, as_str: bool) -> Tally {
    use sse_wire::{Parser, Status};
    thread_local! {
        // Room for W3's 1 MiB events; made once, as a firmware would.
        static PARSER: std::cell::RefCell<Box<Parser<{ 1 << 20 }, 64>>> = Default::default();
    }
    PARSER.with_borrow_mut(|parser| {
        parser.reset();
        let mut tally = Tally::default();
        for chunk in &feed.chunks {
            let mut input = *chunk;
            loop {
                match parser.next(&mut input) {
                    Ok(Status::NeedInput) => break,
                    Ok(Status::Event(event)) if as_str => tally.add(event.data().as_bytes()),
                    Ok(Status::Event(event)) => tally.add(event.data_bytes()),
                    Ok(_) => {}
                    Err(error) => panic!("sse-wire: {error}"),
                }
            }
        }
        tally
    })
}

fn eventsource_stream(feed: &Feed) -> Tally {
    use eventsource_stream::Eventsource;
    let mut tally = Tally::default();
    drain(slices(feed).eventsource(), |event| {
        tally.add(event.expect("eventsource-stream").data.as_bytes())
    });
    tally
}

fn eventsource_stream2(feed: &Feed) -> Tally {
    use eventsource_stream2::Eventsource;
    let mut tally = Tally::default();
    drain(slices(feed).eventsource(), |event| {
        tally.add(event.expect("eventsource-stream2").data.as_bytes())
    });
    tally
}

fn sseer(feed: &Feed) -> Tally {
    let chunks = Ready(feed.bytes.iter().map(|b| Ok::<_, Infallible>(b.clone())));
    let mut tally = Tally::default();
    drain(sseer::EventStream::new(chunks), |event| {
        tally.add(event.expect("sseer").data.as_bytes())
    });
    tally
}

fn sse_core(feed: &Feed) -> Tally {
    use sse_core::{SseDecoder, SseEvent};
    let limit = std::num::NonZeroUsize::new(64 << 20).unwrap();
    let mut decoder = SseDecoder::with_limit(limit);
    let mut tally = Tally::default();
    for chunk in &feed.chunks {
        let mut input = *chunk;
        while let Some(event) = decoder.next(&mut input) {
            if let SseEvent::Message(message) = event.expect("sse-core") {
                tally.add(message.data.as_bytes());
            }
        }
    }
    tally
}

fn sse_parse(feed: &Feed) -> Tally {
    let mut parser = sse_parse::SseParser::new();
    let mut tally = Tally::default();
    for chunk in &feed.chunks {
        parser.feed(chunk);
        while let Some(event) = parser.next_event() {
            tally.add(event.data.as_bytes());
        }
    }
    parser.finish();
    tally
}

fn sse_stream(feed: &Feed) -> Tally {
    let mut tally = Tally::default();
    drain(sse_stream::SseByteStream::new(slices(feed)), |sse| {
        // Blocks without data (a retry, an id alone) come out too.
        if let Some(data) = sse.expect("sse-stream").data {
            tally.add(data.as_bytes());
        }
    });
    tally
}

fn async_sse(feed: &Feed) -> Tally {
    let mut tally = Tally::default();
    drain(async_sse::decode(Reader::new(&feed.chunks)), |event| {
        if let async_sse::Event::Message(message) = event.expect("async-sse") {
            tally.add(message.data());
        }
    });
    tally
}

fn sse_codec(feed: &Feed) -> Tally {
    use futures_codec::Decoder;
    // What `sse_codec::decode_stream` does for each read, without the reader.
    let mut codec = sse_codec::SSECodec::default();
    let mut buffer = futures_codec::BytesMut::new();
    let mut tally = Tally::default();
    for chunk in &feed.chunks {
        buffer.extend_from_slice(chunk);
        while let Some(event) = codec.decode(&mut buffer).expect("sse-codec") {
            if let sse_codec::Event::Message { data, .. } = event {
                tally.add(data.as_bytes());
            }
        }
    }
    tally
}

/// The baseline: find every CR and LF with `memchr2`, chunk by chunk.
fn memchr2_scan(feed: &Feed) -> Tally {
    let mut tally = Tally::default();
    for chunk in &feed.chunks {
        tally.events += memchr::memchr2_iter(b'\r', b'\n', chunk).count();
    }
    tally
}

// --- A minimal executor: every source is always ready -------------------

/// Polls `stream` to its end, handing each item to `each`.
fn drain<S: Stream>(stream: S, mut each: impl FnMut(S::Item)) {
    let mut stream = std::pin::pin!(stream);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(item)) => each(item),
            Poll::Ready(None) => return,
            Poll::Pending => unreachable!("every source here is always ready"),
        }
    }
}

/// An iterator as a stream that is always ready.
struct Ready<I>(I);

impl<I: Iterator + Unpin> Stream for Ready<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.0.next())
    }
}

/// The feed's chunks as a stream of `Ok(&[u8])`.
fn slices(feed: &Feed) -> Ready<impl Iterator<Item = Result<&[u8], Infallible>> + '_> {
    Ready(feed.chunks.iter().map(|chunk| Ok(*chunk)))
}

/// The feed's chunks as an `AsyncBufRead`, one chunk per fill.
struct Reader<'f> {
    chunks: std::slice::Iter<'f, &'static [u8]>,
    current: &'static [u8],
}

impl<'f> Reader<'f> {
    fn new(chunks: &'f [&'static [u8]]) -> Self {
        Reader {
            chunks: chunks.iter(),
            current: &[],
        }
    }
}

impl futures_io::AsyncRead for Reader<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let available = match futures_io::AsyncBufRead::poll_fill_buf(self.as_mut(), cx) {
            Poll::Ready(Ok(available)) => available,
            other => return other.map_ok(|_| 0),
        };
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        futures_io::AsyncBufRead::consume(self, n);
        Poll::Ready(Ok(n))
    }
}

impl futures_io::AsyncBufRead for Reader<'_> {
    fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.current.is_empty() {
            match this.chunks.next() {
                Some(chunk) => this.current = chunk,
                None => break,
            }
        }
        Poll::Ready(Ok(this.current))
    }

    fn consume(self: Pin<&mut Self>, n: usize) {
        let this = self.get_mut();
        this.current = &this.current[n..];
    }
}

// --- The run -------------------------------------------------------------

/// Makes a workload, full size or (`true`) quick.
type Make = fn(bool) -> Vec<u8>;

/// A row of the table: a workload and how it is cut.
struct RowSpec {
    label: &'static str,
    make: Make,
    /// Chunk size; 0 for one chunk.
    chunk: usize,
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
    let workloads: [(&'static str, Make); 6] = [
        ("W1 small events", |q| w1_small_events(scale(q, 100_000))),
        ("W2 LLM tokens", |q| w2_llm_tokens(scale(q, 200_000))),
        ("W3 1 MiB lines", |q| {
            w3_large_lines(if q { 2 } else { 64 }, 1 << 20)
        }),
        ("W4 50-line events", |q| w4_multi_line(scale(q, 2_000))),
        ("W5 CRLF", |q| w5_crlf(scale(q, 100_000))),
        ("W6 keep-alive", |q| w6_keep_alive(scale(q, 100_000))),
    ];
    let mut rows = Vec::new();
    for (label, make) in workloads {
        rows.push(RowSpec {
            label,
            make,
            chunk: 0,
        });
        rows.push(RowSpec {
            label,
            make,
            chunk: 4096,
        });
    }
    rows.push(RowSpec {
        label: "W1 small events",
        make: |q| w1_small_events(if q { 50 } else { 2_000 }),
        chunk: 1,
    });
    rows
}

fn row_name(row: &RowSpec) -> String {
    match row.chunk {
        0 => format!("{}, one chunk", row.label),
        1 => format!("{}, 1 byte per call", row.label),
        n => format!("{}, {} KiB chunks", row.label, n / 1024),
    }
}

/// How a run was asked for on the command line.
struct Settings {
    quick: bool,
    /// A cell stops sampling once it has spent this long.
    budget: Duration,
    /// A cell whose process takes longer than this is stopped.
    timeout: Duration,
}

const USAGE: &str = "usage: sse-wire-compare [--quick] [--timeout SECONDS]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|arg| arg == "--quick");
    let timeout: u64 = match args.iter().position(|arg| arg == "--timeout") {
        Some(at) => args.get(at + 1).and_then(|s| s.parse().ok()).expect(USAGE),
        None => 10,
    };
    let settings = Settings {
        quick,
        budget: Duration::from_millis(if quick { 0 } else { 1000 }),
        timeout: Duration::from_secs(timeout),
    };
    if let Some(at) = args.iter().position(|arg| arg == "--cell") {
        // A child process: one contestant on one row.
        let row: usize = args.get(at + 1).and_then(|s| s.parse().ok()).expect(USAGE);
        let who = args.get(at + 2).expect(USAGE);
        run_cell(&rows()[row], who, &settings);
        return;
    }
    let mut results = Vec::new();
    let mut disagreements = 0;
    for (index, row) in rows().iter().enumerate() {
        let name = row_name(row);
        eprintln!("{name}");
        let mut cells = Vec::new();
        for who in CONTESTANTS.iter().map(|(who, _)| *who).chain(["memchr2"]) {
            let cell = spawn_cell(index, who, &settings);
            eprintln!("  {who:<20} {cell:?}");
            cells.push(cell);
        }
        // Everyone who finished must agree with sse-wire.
        let Cell::Done {
            tally: expected, ..
        } = cells[0]
        else {
            panic!("{name}: sse-wire did not finish");
        };
        for (cell, (who, _)) in cells.iter().zip(CONTESTANTS) {
            if let Cell::Done { tally, .. } = cell {
                if *tally != expected {
                    eprintln!("{name}: {who} disagrees: {tally:?}, sse-wire {expected:?}");
                    disagreements += 1;
                }
            }
        }
        results.push((name, cells));
    }
    print_table(&results);
    if disagreements > 0 {
        eprintln!("{disagreements} disagreements");
        std::process::exit(1);
    }
}

/// What a cell's process reported.
#[derive(Clone, Copy, Debug)]
enum Cell {
    Done {
        tally: Tally,
        mib_per_s: f64,
    },
    /// Stopped at the timeout, after reading this many bytes (all of them,
    /// at least once, is unknown): slower than `bytes / timeout`.
    TimedOut {
        bytes: usize,
        seconds: u64,
    },
}

/// Runs one cell in a child process, so that a contestant that takes
/// too long (some are quadratic on large chunks) can be stopped.
fn spawn_cell(row: usize, who: &str, settings: &Settings) -> Cell {
    let mut command = std::process::Command::new(std::env::current_exe().expect("own path"));
    command.args(["--cell", &row.to_string(), who]);
    if settings.quick {
        command.arg("--quick");
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start a cell");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for a cell") {
            let mut out = String::new();
            std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
            assert!(status.success(), "{who} failed on row {row}");
            let fields: Vec<&str> = out.split_whitespace().collect();
            let [events, data_bytes, mib_per_s] = fields[..] else {
                panic!("{who}: unexpected report {out:?}");
            };
            return Cell::Done {
                tally: Tally {
                    events: events.parse().unwrap(),
                    data_bytes: data_bytes.parse().unwrap(),
                },
                mib_per_s: mib_per_s.parse().unwrap(),
            };
        }
        if start.elapsed() > settings.timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Cell::TimedOut {
                bytes: (rows()[row].make)(settings.quick).len(),
                seconds: settings.timeout.as_secs(),
            };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The child's side: parse once for the tally, then time.
fn run_cell(row: &RowSpec, who: &str, settings: &Settings) {
    let input: &'static [u8] = (row.make)(settings.quick).leak();
    let chunk = if row.chunk == 0 {
        input.len()
    } else {
        row.chunk
    };
    let bytes = bytes::Bytes::from_static(input);
    let feed = Feed {
        chunks: input.chunks(chunk).collect(),
        bytes: (0..input.len())
            .step_by(chunk)
            .map(|start| bytes.slice(start..input.len().min(start + chunk)))
            .collect(),
    };
    let run = match CONTESTANTS.iter().find(|(name, _)| *name == who) {
        Some((_, run)) => *run,
        None if who == "memchr2" => memchr2_scan,
        None => panic!("no contestant {who}"),
    };
    let tally = run(&feed);
    let speed = median_speed(input.len(), settings, || run(&feed));
    println!("{} {} {speed}", tally.events, tally.data_bytes);
}

/// Runs `run` at least 5 times (once when quick) and until the budget is
/// spent, at most 51 times; the median speed in MiB/s.
fn median_speed(len: usize, settings: &Settings, mut run: impl FnMut() -> Tally) -> f64 {
    let start = Instant::now();
    let mut speeds = Vec::new();
    let least = if settings.quick { 1 } else { 5 };
    while speeds.len() < least || (start.elapsed() < settings.budget && speeds.len() < 51) {
        let began = Instant::now();
        black_box(run());
        let seconds = began.elapsed().as_secs_f64();
        speeds.push(len as f64 / (1 << 20) as f64 / seconds);
    }
    speeds.sort_by(f64::total_cmp);
    speeds[speeds.len() / 2]
}

fn print_table(results: &[(String, Vec<Cell>)]) {
    print!("| workload, feed |");
    for (name, _) in CONTESTANTS {
        print!(" {name} |");
    }
    println!(
        " sse-wire ÷ fastest other | sse-wire (str) ÷ fastest other | memchr2 scan | sse-wire ÷ memchr2 |"
    );
    println!(
        "|---|{}---:|---:|---:|---:|",
        "---:|".repeat(CONTESTANTS.len())
    );
    let speed = |cell: &Cell| match *cell {
        Cell::Done { mib_per_s, .. } => mib_per_s,
        Cell::TimedOut { .. } => 0.0,
    };
    for (name, cells) in results {
        print!("| {name} |");
        for cell in &cells[..CONTESTANTS.len()] {
            match *cell {
                Cell::Done { mib_per_s, .. } => print!(" {} |", format_speed(mib_per_s)),
                Cell::TimedOut { bytes, seconds } => {
                    let bound = bytes as f64 / (1 << 20) as f64 / seconds as f64;
                    print!(" < {} |", format_speed(bound));
                }
            }
        }
        let ours = speed(&cells[0]);
        let ours_str = speed(&cells[1]);
        let best = cells[SSE_WIRE..CONTESTANTS.len()]
            .iter()
            .map(speed)
            .fold(0.0, f64::max);
        let memchr2 = speed(&cells[CONTESTANTS.len()]);
        println!(
            " {:.1}× | {:.1}× | {} | {:.2}× |",
            ours / best,
            ours_str / best,
            format_speed(memchr2),
            ours / memchr2
        );
    }
    println!();
    println!(
        "MiB/s of input, the median of at least 5 runs. \"< N\": one parse took longer than the timeout."
    );
}

fn format_speed(mib_per_s: f64) -> String {
    if mib_per_s >= 100.0 {
        format!("{mib_per_s:.0}")
    } else {
        format!("{mib_per_s:.1}")
    }
}
