//! The shared event log and the `/events` stream.
//!
//! One thread appends the events of each interval to a replay log that all
//! connections read; each connection's thread keeps a cursor into it. Event
//! IDs are numbers that count up by one, starting at the boot time in
//! microseconds since the Unix epoch. At most three events are made per
//! interval of at least a millisecond, so IDs never overtake the clock, and
//! an ID below this run's first one is known to come from an earlier run.
//!
//! A client that resumes with a `Last-Event-ID` this run holds gets exactly
//! the events after it. Any other ID gets a `reset` event whose data says
//! what was lost, then the stream goes on:
//! - an ID from an earlier run (the server restarted): what that run sent
//!   after it, if anything, cannot be replayed, since the log lives in
//!   memory; this run's events follow from its first, if all are still
//!   held, else new ones;
//! - an ID of this run no longer held (the log keeps the last
//!   [`LOG_EVENTS`]): new events follow;
//! - an ID this server never sent: new events follow.
//!
//! A connection whose cursor falls out of the log while it writes (a client
//! reading too slowly) gets the same `reset`, and goes on from the oldest
//! event held.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use sse_wire::server::{Cursor, KeepAlive, Next, ReplayLog, HEADERS};
use sse_wire::{Frame, GrowableParser, Status};

use super::clock;
use super::guard::Notes;
use super::Options;

/// How many events the log keeps for clients that resume.
pub const LOG_EVENTS: usize = 1000;
/// How many bytes of encoded events the log keeps at most.
pub const LOG_BYTES: usize = 256 * 1024;
/// How many bytes of events a connection copies out of the log at a time.
const BATCH: usize = 16 * 1024;

/// What `sample` events carry, in turn.
const SAMPLES: &[&str] = &[
    "first line\nsecond line\n\nfourth line, after an empty one",
    "héllo wörld — 你好 — 🎉",
    "",
    " starts with a space",
    "key: value, with a colon",
];

/// The log and the numbers that name its events.
pub struct Journal {
    log: ReplayLog<Box<[u8]>, LOG_EVENTS>,
    /// The ID of this run's first event.
    first_id: u64,
    /// The ID the next event gets.
    next_id: u64,
}

impl Journal {
    fn new(first_id: u64) -> Self {
        Journal {
            log: ReplayLog::new(vec![0; LOG_BYTES].into_boxed_slice()).with_first_id(first_id),
            first_id,
            next_id: first_id,
        }
    }

    /// The ID of the oldest event held (`next_id` when none is).
    fn oldest_id(&self) -> u64 {
        self.next_id - self.log.len() as u64
    }

    /// Appends an event; the log gives it the next ID.
    fn append(&mut self, event_type: &str, data: &str) -> Result<(), String> {
        let frame = Frame::Event {
            event_type: Some(event_type),
            id: None,
            data: Some(data),
        };
        // Every event fits in a connection's batch (see `events`).
        match frame.encoded_len() {
            Ok(len) if len + 32 > BATCH => return Err("event not logged: over 16 KiB".into()),
            _ => {}
        }
        self.log
            .append(&frame)
            .map_err(|error| format!("event not logged: {error}"))?;
        self.next_id += 1;
        Ok(())
    }
}

/// The state all connections share.
pub struct Hub {
    journal: Mutex<Journal>,
    /// Signalled when the log grows.
    grew: Condvar,
    /// `/events` streams open now.
    clients: AtomicUsize,
    /// `/events` streams opened so far.
    connections: AtomicU64,
    started: Instant,
    /// The options the server runs with.
    pub options: Options,
    /// The rate-limited log.
    pub notes: Notes,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    /// A hub whose first event will have the ID `first_id`.
    pub fn new(options: Options, first_id: u64) -> Hub {
        Hub {
            journal: Mutex::new(Journal::new(first_id)),
            grew: Condvar::new(),
            clients: AtomicUsize::new(0),
            connections: AtomicU64::new(0),
            started: Instant::now(),
            options,
            notes: Notes::default(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Adds the events of each interval to the log, for ever.
pub fn tick(hub: &Hub) {
    let interval = hub.options.interval;
    let mut next = Instant::now();
    for n in 1u64.. {
        next += interval;
        let now = Instant::now();
        if next > now {
            thread::sleep(next - now);
        } else {
            next = now;
        }
        let mut fresh = vec![("tick", clock::utc_timestamp(SystemTime::now()))];
        if n % 3 == 0 {
            let update = json!({
                "tick": n,
                "clients": hub.clients.load(Ordering::Relaxed),
                "uptime_ms": hub.now_ms(),
            });
            fresh.push(("update", update.to_string()));
        }
        if n % 2 == 0 {
            let sample = SAMPLES[(n / 2 - 1) as usize % SAMPLES.len()];
            fresh.push(("sample", sample.to_owned()));
        }
        let mut journal = lock(&hub.journal);
        for (event_type, data) in fresh {
            if let Err(error) = journal.append(event_type, &data) {
                hub.notes.note(format_args!("{error}"));
            }
        }
        drop(journal);
        hub.grew.notify_all();
        hub.notes.flush();
    }
}

/// Where a connection starts in the log.
struct Start {
    cursor: Cursor,
    /// The ID after which the stream goes on.
    seen: u64,
    /// Why there is a gap, for a `reset` event.
    reset: Option<String>,
}

/// Where a client that sent `sent` (its `Last-Event-ID`) starts.
fn start(journal: &Journal, sent: Option<&str>) -> Start {
    let last = journal.next_id - 1;
    let live = |reset: String| Start {
        cursor: journal.log.live(),
        seen: last,
        reset: Some(reset),
    };
    let Some(text) = sent.filter(|text| !text.is_empty()) else {
        return Start {
            cursor: journal.log.live(),
            seen: last,
            reset: None,
        };
    };
    let Ok(id) = text.parse::<u64>() else {
        return live(format!(
            "ID {text:?} was not sent by this server; new events follow"
        ));
    };
    let oldest = journal.oldest_id();
    if id.checked_add(1) == Some(oldest) {
        // Nothing after it has been lost yet.
        return Start {
            cursor: journal.log.oldest(),
            seen: id,
            reset: None,
        };
    }
    if id > last {
        return live(format!(
            "ID {id} was not sent by this server; new events follow"
        ));
    }
    if id >= oldest {
        if let Ok(cursor) = journal.log.after(text) {
            return Start {
                cursor,
                seen: id,
                reset: None,
            };
        }
    }
    if id < journal.first_id - 1 {
        if oldest == journal.first_id {
            return Start {
                cursor: journal.log.oldest(),
                seen: oldest - 1,
                reset: Some(format!(
                    "the server restarted: events its previous run sent after ID {id}, if any, \
                     cannot be replayed (the log is kept in memory); this run's events follow \
                     from its first"
                )),
            };
        }
        return live(format!(
            "the server restarted: events its previous run sent after ID {id}, if any, \
             cannot be replayed (the log is kept in memory), and this run's first {} events \
             were lost (the log holds the last {LOG_EVENTS}); new events follow",
            oldest - journal.first_id
        ));
    }
    live(format!(
        "{} events after ID {id} were lost (the log holds the last {LOG_EVENTS}); \
         new events follow",
        last - id
    ))
}

/// Counts a client in while it is connected.
struct Client<'h>(&'h Hub);

impl Drop for Client<'_> {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The bytes a connection writes next, on its thread's stack: heap memory
/// taken by hundreds of threads at once would stay with the allocator
/// after they leave.
struct Batch {
    bytes: [u8; BATCH],
    len: usize,
}

impl Batch {
    fn new() -> Self {
        Batch {
            bytes: [0; BATCH],
            len: 0,
        }
    }

    /// Appends `bytes` if they fit.
    fn push(&mut self, bytes: &[u8]) -> bool {
        let Some(room) = self.bytes.get_mut(self.len..self.len + bytes.len()) else {
            return false;
        };
        room.copy_from_slice(bytes);
        self.len += bytes.len();
        true
    }

    /// Appends an encoded frame, if it fits and is valid.
    fn frame(&mut self, frame: &Frame<'_>) {
        if let Ok(n) = frame.encode_to_slice(&mut self.bytes[self.len..]) {
            self.len += n;
        }
    }

    fn reset(&mut self, seen: u64, why: &str) {
        let id = seen.to_string();
        self.frame(&Frame::Event {
            event_type: Some("reset"),
            id: Some(&id),
            data: Some(why),
        });
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn write_to(&mut self, out: &mut TcpStream) -> io::Result<()> {
        let len = std::mem::take(&mut self.len);
        out.write_all(&self.bytes[..len])
    }
}

/// `GET /events`: the event stream for a client that sent `sent` as its
/// `Last-Event-ID`.
pub fn events(hub: &Hub, out: &mut TcpStream, sent: Option<&str>) -> io::Result<()> {
    hub.clients.fetch_add(1, Ordering::Relaxed);
    let _client = Client(hub);
    let connection = hub.connections.fetch_add(1, Ordering::Relaxed) + 1;
    let options = &hub.options;
    let mut batch = Batch::new();
    batch.push(b"HTTP/1.1 200 OK\r\n");
    for (name, value) in HEADERS {
        for part in [name, ": ", value, "\r\n"] {
            batch.push(part.as_bytes());
        }
    }
    batch.push(b"Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n");

    let Start {
        mut cursor,
        mut seen,
        reset,
    } = start(&lock(&hub.journal), sent);
    // The client's ID goes back only as JSON data; the `id:` line is
    // `seen`, a number of this run.
    let hello = json!({"connection": connection, "resumed_from": sent}).to_string();
    let seen_text = seen.to_string();
    batch.frame(&Frame::Event {
        event_type: Some("connected"),
        id: Some(&seen_text),
        data: Some(&hello),
    });
    batch.frame(&Frame::Retry(options.retry_ms));
    batch.push(b"\n");
    if let Some(why) = reset {
        batch.reset(seen, &why);
    }
    batch.write_to(out)?;

    let mut keep_alive = KeepAlive::new(options.keep_alive_ms, hub.now_ms());
    let mut sent_events = 0u64;
    let limit_reached = |sent: u64| options.drop_after.is_some_and(|limit| sent >= limit);
    loop {
        let mut missed = None;
        {
            let mut journal = lock(&hub.journal);
            loop {
                while !limit_reached(sent_events) {
                    let before = cursor;
                    match journal.log.next(&mut cursor) {
                        Next::Event(entry) => {
                            if !batch.push(entry.frame) {
                                // The next batch; every event fits in an empty one.
                                cursor = before;
                                break;
                            }
                            seen = entry.id.parse().unwrap_or(seen + 1);
                            sent_events += 1;
                        }
                        Next::Missed(lost) => {
                            seen += lost;
                            missed = Some(lost);
                            break;
                        }
                        Next::CaughtUp => break,
                    }
                }
                if !batch.is_empty() || missed.is_some() || limit_reached(sent_events) {
                    break;
                }
                let now = hub.now_ms();
                if let Some(comment) = keep_alive.poll(now) {
                    batch.push(comment);
                    break;
                }
                let wait = Duration::from_millis(keep_alive.due_at().saturating_sub(now));
                journal = hub
                    .grew
                    .wait_timeout(journal, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
        if let Some(lost) = missed {
            let why = format!(
                "{lost} events were lost: this connection fell behind the log \
                 (it holds the last {LOG_EVENTS}); the oldest held follow"
            );
            if batch.len + why.len() + 64 > BATCH {
                batch.write_to(out)?;
            }
            batch.reset(seen, &why);
        }
        batch.write_to(out)?;
        keep_alive.wrote(hub.now_ms());
        if limit_reached(sent_events) {
            // Closing makes the client reconnect and resume.
            let _ = out.shutdown(Shutdown::Both);
            return Ok(());
        }
    }
}

/// `GET /log`: the events the log holds as it is asked, as JSON lines
/// (`type`, `data`, `id`), read back from the encoded events with the
/// crate's parser. It is written a batch at a time, in fixed memory, and
/// ends with the connection (no `Content-Length`).
pub fn log(hub: &Hub, out: &mut TcpStream) -> io::Result<()> {
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\
          Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
    )?;
    let (mut cursor, end) = {
        let journal = lock(&hub.journal);
        (journal.log.oldest(), journal.log.live())
    };
    let mut batch = Batch::new();
    let mut parser = GrowableParser::with_caps(BATCH, 64);
    let mut lines = io::BufWriter::with_capacity(8192, out);
    loop {
        {
            let journal = lock(&hub.journal);
            while cursor < end {
                let before = cursor;
                match journal.log.next(&mut cursor) {
                    Next::Event(entry) => {
                        if !batch.push(entry.frame) {
                            cursor = before;
                            break;
                        }
                    }
                    // Evicted while this was written: on from the oldest.
                    Next::Missed(_) => {}
                    Next::CaughtUp => break,
                }
            }
        }
        if batch.is_empty() {
            return lines.flush();
        }
        // The batch holds whole events, so the parser ends it empty.
        let mut input = &batch.bytes[..batch.len];
        loop {
            match parser.next(&mut input) {
                Ok(Status::Event(event)) => {
                    let line = json!({
                        "type": event.event_type(),
                        "data": event.data(),
                        "id": event.last_event_id(),
                    });
                    serde_json::to_writer(&mut lines, &line)?;
                    lines.write_all(b"\n")?;
                }
                Ok(Status::NeedInput) => break,
                Ok(_) | Err(_) => {}
            }
        }
        batch.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(first: u64, events: usize) -> Journal {
        let mut journal = Journal::new(first);
        for n in 0..events {
            journal.append("tick", &n.to_string()).unwrap();
        }
        journal
    }

    #[test]
    fn resuming_inside_the_log_loses_nothing() {
        let journal = journal(500, 10);
        for (sent, seen) in [(None, 509), (Some(""), 509), (Some("503"), 503)] {
            let start = start(&journal, sent);
            assert_eq!((start.seen, start.reset), (seen, None), "{sent:?}");
        }
        let mut start = start(&journal, Some("499"));
        assert_eq!((start.seen, start.reset), (499, None));
        match journal.log.next(&mut start.cursor) {
            Next::Event(entry) => assert_eq!(entry.id, "500"),
            _ => panic!("no event"),
        }
    }

    #[test]
    fn other_ids_get_a_reason() {
        let journal = journal(500, LOG_EVENTS + 10);
        let last = 500 + LOG_EVENTS as u64 + 9;
        for (sent, words) in [
            ("abc", "not sent by this server"),
            ("99999999", "not sent by this server"),
            ("12", "restarted"),
            ("505", "1004 events after ID 505 were lost"),
        ] {
            let start = start(&journal, Some(sent));
            assert_eq!(start.seen, last, "{sent}");
            let why = start.reset.unwrap();
            assert!(why.contains(words), "{sent}: {why}");
        }
    }

    #[test]
    fn after_a_restart_this_runs_events_follow() {
        let journal = journal(500, 3);
        let mut start = start(&journal, Some("42"));
        assert_eq!(start.seen, 499);
        assert!(start.reset.unwrap().contains("server restarted"));
        match journal.log.next(&mut start.cursor) {
            Next::Event(entry) => assert_eq!(entry.id, "500"),
            _ => panic!("no event"),
        }
    }
}
