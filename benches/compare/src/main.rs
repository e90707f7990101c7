//! Side-by-side parser throughput: sse-wire and the other SSE parsers on
//! crates.io, on the same bytes, in the same run.
//!
//! ```text
//! cargo run --release --manifest-path benches/compare/Cargo.toml
//! cargo run --release --manifest-path benches/compare/Cargo.toml -- --quick
//! cargo run --release --manifest-path benches/compare/Cargo.toml -- --cell ROW CRATE
//! ```
//!
//! Every contestant parses every workload (those of `benches/parse.rs`) fed
//! as one chunk, in 4 KiB chunks, and one byte per call, and does what a
//! consumer does with each event: it reads the event's type, data and ID.
//!
//! The run has two phases. First every contestant parses every row once,
//! and each event's (type, data, ID) is compared, in order, with the list
//! of events the workload generator wrote down beside the bytes; the event
//! count and an order-sensitive hash of the triples must match the list's.
//! A contestant that departs from the list fails the run, unless it is a
//! peer whose departure is written down in [`DEPARTURES`] with the reason:
//! such a cell is not timed, and the table marks it. Only then is anything
//! timed. A timed run reads the same fields and sums their lengths, which
//! must match the list's after every run; it does not hash them again, so
//! what is timed is the parsing and the reading, not a hash.
//!
//! Each contestant builds its parser or stream inside the timed region, as
//! a program that opens a stream does:
//!
//! - "sse-wire": `Box::new(Parser::<{ 1 << 20 }, 64>::new())`, the
//!   fixed-capacity parser the crate's docs point most callers to, sized
//!   for W3's 1 MiB events and boxed as a program with a heap would box
//!   it, handing out borrowed events; the type and ID are read as `&str`,
//!   the data as bytes with `Event::data_bytes` (decoded and proven UTF-8
//!   by the parser), as a caller that hands it to `serde_json::from_slice`
//!   takes it. Building it costs 25 to 35 µs (`Box::new` copies the 1 MiB
//!   value into the allocation; `Box::default()` is slower still), which
//!   is in every run. `GrowableParser::default()` builds in about 10 ns,
//!   but on this machine it parses W4's multi-line events and one byte per
//!   call 20 to 40% slower, so the fixed parser is the faster choice for
//!   every full-size row even with its construction.
//! - "sse-wire (str)": the same, with the data as a `&str` too
//!   (`Event::data`, which checks the bytes once more to make the `str`).
//! - "sse-wire (stream)": `.sse_events()` from the `stream` feature, over a
//!   `Stream` of the chunks, polled by the same minimal executor as the
//!   other `Stream`-based peers; owned events (`Item::Event`'s `String`s),
//!   parsed by the `GrowableParser::default()` that `.sse_events()` builds.
//! - every peer: its own decoder or stream with its defaults, fields as it
//!   hands them out.
//!
//! Each cell is the median of several runs, in MiB/s of input, and runs in
//! its own process: one whose single parse takes longer than the timeout
//! (some peers are quadratic on large chunks) is stopped and shown as
//! "< N", an upper bound. The last columns are each sse-wire column's ratio
//! to the fastest other crate of the row, and a `memchr2` scan for line
//! ends over the same chunks: the cost of looking at every byte once, a
//! practical ceiling.
//!
//! `--quick` uses small workloads and one run per cell: it checks agreement
//! (CI runs it), its speeds mean little. `--cell ROW CRATE` times one cell
//! (rows numbered from 0 in table order, as the progress lines show them;
//! `CRATE` as in the header, or `memchr2`), to rerun a figure that looks
//! out of line; add `--check` to compare its events with the list instead.

use std::collections::hash_map::DefaultHasher;
use std::convert::Infallible;
use std::hash::Hasher;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use cells::{first_run_done, format_speed, watchdog, Outcome, Ready};
use futures_core::Stream;

#[path = "../../cells/mod.rs"]
mod cells;
#[path = "../../workloads/mod.rs"]
mod workloads;

use workloads::Workload;

// --- What a contestant does with each event ------------------------------

/// Where a contestant puts each event's type, data and ID.
struct Digest<'w> {
    events: usize,
    /// Bytes of type, data and ID read.
    bytes: usize,
    /// When checking: the expected events, and what was found so far.
    check: Option<Check<'w>>,
}

impl<'w> Digest<'w> {
    /// For a timed run: reads the fields and counts them.
    fn timed() -> Self {
        Digest {
            events: 0,
            bytes: 0,
            check: None,
        }
    }

    /// For the check: also compares each event with the list and hashes it.
    fn checking(expected: &'w [workloads::Event]) -> Self {
        Digest {
            check: Some(Check {
                expected,
                hasher: DefaultHasher::new(),
                first_difference: None,
            }),
            ..Digest::timed()
        }
    }

    /// One dispatched event.
    #[inline(always)]
    fn event(&mut self, event_type: &[u8], data: &[u8], id: &[u8]) {
        let (event_type, data, id) = black_box((event_type, data, id));
        if let Some(check) = &mut self.check {
            check.event(self.events, event_type, data, id);
        }
        self.events += 1;
        self.bytes += event_type.len() + data.len() + id.len();
    }
}

/// The comparison with the expected list.
struct Check<'w> {
    expected: &'w [workloads::Event],
    hasher: DefaultHasher,
    /// The first event that differs from the list, described.
    first_difference: Option<String>,
}

impl Check<'_> {
    #[inline(never)]
    fn event(&mut self, index: usize, event_type: &[u8], data: &[u8], id: &[u8]) {
        hash_event(&mut self.hasher, event_type, data, id);
        if self.first_difference.is_some() {
            return;
        }
        self.first_difference = match self.expected.get(index) {
            None => Some(format!(
                "event #{index} ({}) beyond the {} expected",
                describe(event_type, data, id),
                self.expected.len()
            )),
            Some(e)
                if (e.event_type.as_bytes(), e.data.as_bytes(), e.id.as_bytes())
                    != (event_type, data, id) =>
            {
                Some(format!(
                    "event #{index} is {}, expected {}",
                    describe(event_type, data, id),
                    describe(e.event_type.as_bytes(), e.data.as_bytes(), e.id.as_bytes())
                ))
            }
            Some(_) => None,
        };
    }
}

/// Adds one event to an order-sensitive hash of (type, data, ID) triples.
fn hash_event(hasher: &mut DefaultHasher, event_type: &[u8], data: &[u8], id: &[u8]) {
    for field in [event_type, data, id] {
        hasher.write_usize(field.len());
        hasher.write(field);
    }
}

/// The count and hash of the events a workload should give.
fn expected_digest(workload: &Workload) -> (usize, u64) {
    let mut hasher = DefaultHasher::new();
    for e in &workload.events {
        hash_event(
            &mut hasher,
            e.event_type.as_bytes(),
            e.data.as_bytes(),
            e.id.as_bytes(),
        );
    }
    (workload.events.len(), hasher.finish())
}

/// An event for a message: its fields, long ones cut short.
fn describe(event_type: &[u8], data: &[u8], id: &[u8]) -> String {
    let short = |field: &[u8]| {
        let text = String::from_utf8_lossy(field);
        match text.char_indices().nth(40) {
            Some((end, _)) => format!("{:?}…", &text[..end]),
            None => format!("{text:?}"),
        }
    };
    format!(
        "(type {}, data {}, id {})",
        short(event_type),
        short(data),
        short(id)
    )
}

// --- The contestants ------------------------------------------------------

/// One workload cut into the chunks every contestant is fed.
struct Feed {
    chunks: Vec<&'static [u8]>,
    /// The same chunks as `Bytes`, for the crates that take them; sharing
    /// one allocation, so handing one out costs a reference count.
    bytes: Vec<bytes::Bytes>,
}

type Contestant = (&'static str, fn(&Feed, &mut Digest<'_>));

const CONTESTANTS: &[Contestant] = &[
    ("sse-wire", sse_wire),
    ("sse-wire (str)", sse_wire_str),
    ("sse-wire (stream)", sse_wire_stream),
    ("eventsource-stream", eventsource_stream),
    ("eventsource-stream2", eventsource_stream2),
    ("sseer", sseer),
    ("sse-core", sse_core),
    ("sse-parse", sse_parse),
    ("sse-stream", sse_stream),
    ("async-sse", async_sse),
    ("sse-codec", sse_codec),
];

/// The first three contestants are sse-wire; the others are compared with
/// them.
const SSE_WIRE: usize = 3;

/// Where a peer departs from the standard on a workload, and why: the
/// crate, the workload (its label, or a row's name for one feed of it)
/// and the reason. Its
/// cells there are not timed, and the table marks them. A disagreement not
/// listed here fails the run, and so does a listed one that agrees.
const DEPARTURES: &[(&str, &str, &str)] = &[];

/// The listed departure of `who` on `row`, if any: listed by workload
/// label (every feed of it) or by row name (that feed alone).
fn departure(
    who: &str,
    row: &RowSpec,
) -> Option<&'static (&'static str, &'static str, &'static str)> {
    DEPARTURES.iter().find(|(crate_, label, _)| {
        *crate_ == who && (*label == row.label || *label == row_name(row))
    })
}

/// sse-wire, borrowed events, the data as bytes (`Event::data_bytes`).
fn sse_wire(feed: &Feed, digest: &mut Digest<'_>) {
    sse_wire_with(feed, digest, false);
}

/// sse-wire, borrowed events, the data as a `&str` (`Event::data`).
fn sse_wire_str(feed: &Feed, digest: &mut Digest<'_>) {
    sse_wire_with(feed, digest, true);
}

/// One function for both, so that the parser is built into one call site,
/// as in a program that reads one stream.
#[inline(never)]
fn sse_wire_with(feed: &Feed, digest: &mut Digest<'_>, as_str: bool) {
    use sse_wire::{Parser, Status};
    let mut parser = Box::new(Parser::<{ 1 << 20 }, 64>::new());
    for chunk in &feed.chunks {
        let mut input = *chunk;
        loop {
            match parser.next(&mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => {
                    let data = if as_str {
                        event.data().as_bytes()
                    } else {
                        event.data_bytes()
                    };
                    digest.event(
                        event.event_type().as_bytes(),
                        data,
                        event.last_event_id().as_bytes(),
                    );
                }
                Ok(_) => {}
                Err(error) => panic!("sse-wire: {error}"),
            }
        }
    }
    assert!(parser.finish().is_complete(), "sse-wire: cut off");
}

fn sse_wire_stream(feed: &Feed, digest: &mut Digest<'_>) {
    use sse_wire::stream::EventStreamExt;
    drain(slices(feed).sse_events(), |item| {
        if let sse_wire::Item::Event(event) = item.expect("sse-wire (stream)") {
            digest.event(
                event.event_type().as_bytes(),
                event.data().as_bytes(),
                event.last_event_id().as_bytes(),
            );
        }
    });
}

fn eventsource_stream(feed: &Feed, digest: &mut Digest<'_>) {
    use eventsource_stream::Eventsource;
    drain(slices(feed).eventsource(), |event| {
        let event = event.expect("eventsource-stream");
        digest.event(
            event.event.as_bytes(),
            event.data.as_bytes(),
            event.id.as_bytes(),
        );
    });
}

fn eventsource_stream2(feed: &Feed, digest: &mut Digest<'_>) {
    use eventsource_stream2::Eventsource;
    drain(slices(feed).eventsource(), |event| {
        let event = event.expect("eventsource-stream2");
        digest.event(
            event.event.as_bytes(),
            event.data.as_bytes(),
            event.id.as_bytes(),
        );
    });
}

fn sseer(feed: &Feed, digest: &mut Digest<'_>) {
    let chunks = Ready(feed.bytes.iter().map(|b| Ok::<_, Infallible>(b.clone())));
    drain(sseer::EventStream::new(chunks), |event| {
        let event = event.expect("sseer");
        digest.event(
            event.event.as_bytes(),
            event.data.as_bytes(),
            event.id.as_bytes(),
        );
    });
}

fn sse_core(feed: &Feed, digest: &mut Digest<'_>) {
    use sse_core::{SseDecoder, SseEvent};
    // Its default limit (512 KiB) is below W3's events.
    let limit = std::num::NonZeroUsize::new(64 << 20).unwrap();
    let mut decoder = SseDecoder::with_limit(limit);
    for chunk in &feed.chunks {
        let mut input = *chunk;
        while let Some(event) = decoder.next(&mut input) {
            if let SseEvent::Message(message) = event.expect("sse-core") {
                // No ID yet is `None`, the standard's "".
                let id = message.last_event_id.as_deref().unwrap_or("");
                digest.event(
                    message.event.as_bytes(),
                    message.data.as_bytes(),
                    id.as_bytes(),
                );
            }
        }
    }
}

fn sse_parse(feed: &Feed, digest: &mut Digest<'_>) {
    let mut parser = sse_parse::SseParser::new();
    for chunk in &feed.chunks {
        parser.feed(chunk);
        while let Some(event) = parser.next_event() {
            digest.event(
                event.event.as_bytes(),
                event.data.as_bytes(),
                event.id.as_bytes(),
            );
        }
    }
    parser.finish();
}

fn sse_stream(feed: &Feed, digest: &mut Digest<'_>) {
    // sse-stream hands out each block as it was sent, fields not carried
    // over (its documented design): the consumer applies the standard's
    // default type and keeps the last ID, as `EventSource` does.
    let mut last_id = String::new();
    drain(sse_stream::SseByteStream::new(slices(feed)), |sse| {
        let sse = sse.expect("sse-stream");
        if let Some(id) = sse.id {
            last_id = id;
        }
        // Blocks without data (a retry, an ID alone) dispatch nothing.
        if let Some(data) = sse.data {
            let event_type = match sse.event.as_deref() {
                None | Some("") => "message",
                Some(event_type) => event_type,
            };
            digest.event(event_type.as_bytes(), data.as_bytes(), last_id.as_bytes());
        }
    });
}

fn async_sse(feed: &Feed, digest: &mut Digest<'_>) {
    drain(async_sse::decode(Reader::new(&feed.chunks)), |event| {
        if let async_sse::Event::Message(message) = event.expect("async-sse") {
            // No ID yet is `None`, the standard's "".
            let id = message.id().as_deref().unwrap_or("");
            digest.event(message.name().as_bytes(), message.data(), id.as_bytes());
        }
    });
}

fn sse_codec(feed: &Feed, digest: &mut Digest<'_>) {
    use futures_codec::Decoder;
    // What `sse_codec::decode_stream` does for each read, without the reader.
    let mut codec = sse_codec::SSECodec::default();
    let mut buffer = futures_codec::BytesMut::new();
    for chunk in &feed.chunks {
        buffer.extend_from_slice(chunk);
        while let Some(event) = codec.decode(&mut buffer).expect("sse-codec") {
            if let sse_codec::Event::Message { id, event, data } = event {
                // No ID yet is `None`, the standard's "".
                let id = id.as_deref().unwrap_or("");
                digest.event(event.as_bytes(), data.as_bytes(), id.as_bytes());
            }
        }
    }
}

/// The baseline: find every CR and LF with `memchr2`, chunk by chunk. Its
/// count of line ends goes in `events`.
fn memchr2_scan(feed: &Feed, digest: &mut Digest<'_>) {
    for chunk in &feed.chunks {
        digest.events += memchr::memchr2_iter(b'\r', b'\n', chunk).count();
    }
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

// --- The rows -------------------------------------------------------------

/// Makes a workload, full size or (`true`) quick.
type Make = fn(bool) -> Workload;

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

// --- The run --------------------------------------------------------------

/// How a run was asked for on the command line.
struct Settings {
    quick: bool,
    /// A cell stops sampling once it has spent this long.
    budget: Duration,
    /// A cell whose single parse takes longer than this is stopped.
    timeout: Duration,
}

const USAGE: &str =
    "usage: sse-wire-compare [--quick] [--timeout SECONDS] [--cell ROW CRATE [--check]]";

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
    let verdicts = check_all(&rows, &settings);
    // The listed departures found, numbered for the notes, each with the
    // first difference the check saw.
    let mut notes: Vec<Note> = Vec::new();
    let mut failures = Vec::new();
    for (row, row_verdicts) in rows.iter().zip(&verdicts) {
        for (column, ((who, _), verdict)) in CONTESTANTS.iter().zip(row_verdicts).enumerate() {
            let listed = departure(who, row);
            match (verdict, listed) {
                (Verdict::TimedOut { .. }, _) if column < SSE_WIRE => {
                    failures.push(format!("{}: {who} timed out", row_name(row)));
                }
                (Verdict::Differs(how), None) => {
                    failures.push(format!("{}: {who} differs: {how}", row_name(row)));
                }
                (Verdict::Agrees, Some(_)) => failures.push(format!(
                    "{}: {who} agrees, but DEPARTURES lists it: update the list",
                    row_name(row)
                )),
                (Verdict::Differs(how), Some(listed))
                    if !notes.iter().any(|note| note.listed == listed) =>
                {
                    notes.push(Note {
                        listed,
                        row: row_name(row),
                        how: how.clone(),
                    });
                }
                _ => {}
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

    let mut results = Vec::new();
    for (index, (row, row_verdicts)) in rows.iter().zip(&verdicts).enumerate() {
        let name = row_name(row);
        eprintln!("timing {index}: {name}");
        let mut cells = Vec::new();
        for ((who, _), verdict) in CONTESTANTS.iter().zip(row_verdicts) {
            let cell = match verdict {
                Verdict::Agrees => time(index, who, &settings),
                Verdict::Differs(_) => {
                    let listed = departure(who, row).expect("a listed departure");
                    let note = notes.iter().position(|note| note.listed == listed);
                    Cell::Excluded(note.expect("a note") + 1)
                }
                Verdict::TimedOut { bytes } => Cell::TimedOut { bytes: *bytes },
            };
            eprintln!("  {who:<20} {cell:?}");
            cells.push(cell);
        }
        let memchr2 = time(index, "memchr2", &settings);
        eprintln!("  {:<20} {memchr2:?}", "memchr2");
        cells.push(memchr2);
        results.push((name, cells));
    }
    print_table(&results, &notes, &settings);
}

/// A listed departure the check found, for the notes under the table.
struct Note {
    listed: &'static (&'static str, &'static str, &'static str),
    /// The first row it was seen on, and how the events differed there.
    row: String,
    how: String,
}

/// What the check found for one cell.
#[derive(Clone, Debug)]
enum Verdict {
    /// The events are those of the list.
    Agrees,
    /// They are not: how they differ.
    Differs(String),
    /// The single parse took longer than the timeout: nothing known.
    TimedOut { bytes: usize },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Agrees => f.write_str("agrees"),
            Verdict::Differs(how) => write!(f, "differs: {how}"),
            Verdict::TimedOut { .. } => f.write_str("timed out, not checked"),
        }
    }
}

/// Phase one: every contestant on every row, once, its events compared
/// with the list.
fn check_all(rows: &[RowSpec], settings: &Settings) -> Vec<Vec<Verdict>> {
    let mut verdicts = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let name = row_name(row);
        let workload = (row.make)(settings.quick);
        let (events, hash) = expected_digest(&workload);
        eprintln!("checking {index}: {name} ({events} events)");
        let mut row_verdicts = Vec::new();
        for (who, _) in CONTESTANTS {
            let verdict = match spawn_cell(index, who, settings, true) {
                Outcome::Done(report) if report.events == events && report.hash == Some(hash) => {
                    Verdict::Agrees
                }
                Outcome::Done(report) => Verdict::Differs(report.difference.unwrap_or_else(|| {
                    format!(
                        "{} events, {events} expected; hash {:x?}, {hash:x} expected",
                        report.events, report.hash
                    )
                })),
                Outcome::Failed(status) => {
                    Verdict::Differs(format!("the parse failed ({status}), see above"))
                }
                Outcome::TimedOut => Verdict::TimedOut {
                    bytes: workload.bytes.len(),
                },
            };
            eprintln!("  {who:<20} {verdict}");
            row_verdicts.push(verdict);
        }
        verdicts.push(row_verdicts);
    }
    verdicts
}

/// A cell in the table.
#[derive(Clone, Copy, Debug)]
enum Cell {
    Speed(f64),
    /// One parse of this many bytes took longer than the timeout.
    TimedOut {
        bytes: usize,
    },
    /// Not timed: the events differ from the list, for the reason in this
    /// note.
    Excluded(usize),
}

/// Phase two: times one cell.
fn time(row: usize, who: &str, settings: &Settings) -> Cell {
    match spawn_cell(row, who, settings, false) {
        Outcome::Done(report) => Cell::Speed(report.mib_per_s.expect("a speed")),
        Outcome::TimedOut => Cell::TimedOut {
            bytes: (rows()[row].make)(settings.quick).bytes.len(),
        },
        Outcome::Failed(status) => panic!("{who} failed on row {row} ({status})"),
    }
}

/// What a cell's process printed: `key value` lines.
#[derive(Debug, Default)]
struct Report {
    events: usize,
    hash: Option<u64>,
    difference: Option<String>,
    mib_per_s: Option<f64>,
}

/// Runs one cell in a child process (see `cells::spawn_cell`) and reads
/// its report.
fn spawn_cell(row: usize, who: &str, settings: &Settings, check: bool) -> Outcome<Report> {
    let read = |report: &mut Report, key: &str, value: &str| match key {
        "events" => report.events = value.parse().expect("a count"),
        "hash" => report.hash = Some(u64::from_str_radix(value, 16).expect("a hash")),
        "differs" => report.difference = Some(value.to_owned()),
        "speed" => report.mib_per_s = Some(value.parse().expect("a speed")),
        _ => {}
    };
    cells::spawn_cell(row, who, settings.timeout, settings.quick, check, read)
}

/// The contestant's function by its name.
fn contestant(who: &str) -> fn(&Feed, &mut Digest<'_>) {
    match CONTESTANTS.iter().find(|(name, _)| *name == who) {
        Some((_, run)) => *run,
        None if who == "memchr2" => memchr2_scan,
        None => panic!("no contestant {who}"),
    }
}

/// A row's workload and its feed: the input leaked, as the chunks borrow
/// it for the rest of the process.
fn prepare(row: &RowSpec, settings: &Settings) -> (&'static Workload, Feed) {
    let workload: &'static Workload = Box::leak(Box::new((row.make)(settings.quick)));
    let input: &'static [u8] = &workload.bytes;
    let chunk = if row.chunk == 0 {
        input.len().max(1)
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
    (workload, feed)
}

/// The child's side of the check: one parse, every event compared.
fn check_cell(row: &RowSpec, who: &str, settings: &Settings) {
    let run = contestant(who);
    let (workload, feed) = prepare(row, settings);
    let mut digest = Digest::checking(&workload.events);
    watchdog(settings.timeout);
    run(&feed, &mut digest);
    first_run_done();
    let check = digest.check.expect("checking");
    let difference = check.first_difference.or_else(|| {
        (digest.events != workload.events.len()).then(|| {
            format!(
                "{} events, {} expected",
                digest.events,
                workload.events.len()
            )
        })
    });
    println!("events {}", digest.events);
    println!("hash {:x}", check.hasher.finish());
    if let Some(difference) = difference {
        println!("differs {difference}");
    }
}

/// The child's side of the timing: a first parse, then the timed ones,
/// each checked to have read every expected byte of type, data and ID.
fn time_cell(row: &RowSpec, who: &str, settings: &Settings) {
    let run = contestant(who);
    let (workload, feed) = prepare(row, settings);
    let expected = if who == "memchr2" {
        None
    } else {
        let bytes = workload
            .events
            .iter()
            .map(|e| e.event_type.len() + e.data.len() + e.id.len());
        Some((workload.events.len(), bytes.sum::<usize>()))
    };
    let mut first = Digest::timed();
    watchdog(settings.timeout);
    run(&feed, &mut first);
    first_run_done();
    let speed = median_speed(
        workload.bytes.len(),
        settings,
        || {
            let mut digest = Digest::timed();
            run(&feed, &mut digest);
            digest
        },
        |digest| {
            if let Some(expected) = expected {
                assert_eq!(
                    (digest.events, digest.bytes),
                    expected,
                    "{who}: not what the check saw"
                );
            }
        },
    );
    println!("events {}", first.events);
    println!("speed {speed}");
}

/// Runs `run` at least 5 times (once when quick) and until the budget is
/// spent, at most 51 times, handing each result to `verify` outside the
/// timing; the median speed in MiB/s. A slow contestant stops at the
/// timeout with the runs it has.
fn median_speed<'w>(
    len: usize,
    settings: &Settings,
    mut run: impl FnMut() -> Digest<'w>,
    verify: impl Fn(&Digest<'w>),
) -> f64 {
    let start = Instant::now();
    let mut speeds = Vec::new();
    let least = if settings.quick { 1 } else { 5 };
    let more = |runs: usize, spent: Duration| {
        (runs < least && spent < settings.timeout) || (spent < settings.budget && runs < 51)
    };
    while speeds.is_empty() || more(speeds.len(), start.elapsed()) {
        let began = Instant::now();
        let digest = black_box(run());
        let seconds = began.elapsed().as_secs_f64();
        verify(&digest);
        speeds.push(len as f64 / (1 << 20) as f64 / seconds);
    }
    speeds.sort_by(f64::total_cmp);
    speeds[speeds.len() / 2]
}

// --- The table --------------------------------------------------------------

fn print_table(results: &[(String, Vec<Cell>)], notes: &[Note], settings: &Settings) {
    let ours = &CONTESTANTS[..SSE_WIRE];
    print!("| workload, feed |");
    for (name, _) in CONTESTANTS {
        print!(" {name} |");
    }
    for (name, _) in ours {
        print!(" {name} ÷ fastest other |");
    }
    println!(" memchr2 scan | sse-wire ÷ memchr2 |");
    println!(
        "|---|{}{}---:|---:|",
        "---:|".repeat(CONTESTANTS.len()),
        "---:|".repeat(ours.len())
    );
    let mib = |bytes: usize| bytes as f64 / (1 << 20) as f64;
    // Timed-out and excluded cells count as nothing in the ratios.
    let speed = |cell: &Cell| match *cell {
        Cell::Speed(mib_per_s) => mib_per_s,
        Cell::TimedOut { .. } | Cell::Excluded(_) => 0.0,
    };
    for (name, cells) in results {
        print!("| {name} |");
        for cell in &cells[..CONTESTANTS.len()] {
            match *cell {
                Cell::Speed(mib_per_s) => print!(" {} |", format_speed(mib_per_s)),
                Cell::TimedOut { bytes } => {
                    let bound = mib(bytes) / settings.timeout.as_secs_f64();
                    print!(" < {} |", format_speed(bound));
                }
                Cell::Excluded(note) => print!(" ≠ [{note}] |"),
            }
        }
        let best = cells[SSE_WIRE..CONTESTANTS.len()]
            .iter()
            .map(speed)
            .fold(0.0, f64::max);
        for cell in &cells[..SSE_WIRE] {
            print!(" {:.1}× |", speed(cell) / best);
        }
        let memchr2 = speed(&cells[CONTESTANTS.len()]);
        println!(
            " {} | {:.2}× |",
            format_speed(memchr2),
            speed(&cells[0]) / memchr2
        );
    }
    println!();
    println!(
        "MiB/s of input, the median of {} runs; every contestant builds its parser or stream inside each run and reads each event's type, data and ID, which were checked against the expected events first. \"< N\": one parse took longer than the {} s timeout, so the cell was neither checked nor timed.",
        if settings.quick { "1" } else { "at least 5" },
        settings.timeout.as_secs()
    );
    if settings.quick {
        println!(
            "Quick: one run on small inputs, where one-off costs (a parser's first allocation and its page faults) weigh most; the check is what counts here, not these speeds."
        );
    }
    for (number, note) in notes.iter().enumerate() {
        let (crate_, label, why) = note.listed;
        println!(
            "≠ [{}]: {crate_} on {label}: its events differ from the standard's, so these cells are not timed. {why} On {}: {}.",
            number + 1,
            note.row,
            note.how
        );
    }
}
