//! The server kit: the parts of an event-stream server that sit above the
//! wire and that every server otherwise writes by hand. Like the parser, it
//! does no I/O and reads no clock: the caller writes the bytes and gives the
//! time as a count of milliseconds from any fixed origin.
//!
//! - [`HEADERS`]: the response headers of a stream, as data;
//! - [`ReplayLog`]: the last events, encoded once, in storage the caller
//!   sizes. It answers "what came after this `Last-Event-ID`" with a
//!   [`Cursor`], or [`Gap`] when it cannot; a cursor that falls behind the
//!   log is told how many events it missed ([`Next::Missed`]). A broadcast
//!   server needs nothing per client but a cursor;
//! - [`KeepAlive`]: a comment when nothing was written for a while;
//! - [`Queue`]: a bounded per-client queue for servers that push to each
//!   client, with a policy for when it fills ([`Overflow`]);
//! - with `alloc`, [`Message`]: an owned event, written as it is built and
//!   checked at each step; with `bytes` it becomes a `bytes::Bytes`;
//! - with `tokio`, [`keep_alive`]: a body stream with keep-alive comments.
//!
//! Everything here except [`Message`] and [`keep_alive`] is `no_std` and
//! takes no allocation: its memory is fixed when it is made.
//!
//! A whole server's loop for one client, with every part:
//!
//! ```
//! use sse_wire::server::{KeepAlive, Next, ReplayLog};
//! use sse_wire::Frame;
//!
//! let mut log = ReplayLog::<_, 16>::new([0u8; 1024]);
//! for n in 0..5 {
//!     let data = ["zero", "one", "two", "three", "four"][n];
//!     log.append(&Frame::Event { event_type: Some("tick"), id: None, data: Some(data) })
//!         .unwrap();
//! }
//!
//! // A client reconnects with `Last-Event-ID: 3`: it gets events 4 and 5.
//! let mut cursor = log.after("3").unwrap();
//! let mut out = Vec::new();
//! let mut keep_alive = KeepAlive::new(15_000, 0);
//! while let Next::Event(entry) = log.next(&mut cursor) {
//!     out.extend_from_slice(entry.frame);
//!     keep_alive.wrote(0);
//! }
//! assert_eq!(out, b"event: tick\nid: 4\ndata: three\n\nevent: tick\nid: 5\ndata: four\n\n");
//!
//! // Nothing new for 15 s: a comment keeps the connection open.
//! assert_eq!(keep_alive.poll(14_999), None);
//! assert_eq!(keep_alive.poll(15_000), Some(&b":\n"[..]));
//! ```

use core::fmt;

use heapless::Deque;

use crate::encoder::{decimal, U64_DIGITS};
use crate::{EncodeError, Frame};

/// The response headers of an event stream: the media type, no caching,
/// and no buffering by proxies that honour `X-Accel-Buffering` (nginx).
///
/// A stream has no `Content-Length`: over HTTP/1.1 it is sent chunked or
/// ends when the connection closes. The array is what axum and `http`
/// accept as response headers as it is:
///
/// ```
/// use sse_wire::server::HEADERS;
///
/// let mut head = String::from("HTTP/1.1 200 OK\r\n");
/// for (name, value) in HEADERS {
///     head += &format!("{name}: {value}\r\n");
/// }
/// assert!(head.contains("Content-Type: text/event-stream\r\n"));
/// assert!(!head.contains("Content-Length"));
/// ```
pub const HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "text/event-stream"),
    ("Cache-Control", "no-cache"),
    ("X-Accel-Buffering", "no"),
];

/// The comment [`KeepAlive`] asks for: the shortest line a client reads
/// and ignores.
pub const KEEP_ALIVE_COMMENT: &[u8] = b":\n";

/// When to send a keep-alive comment: only after `every` milliseconds in
/// which nothing was written, so a busy stream carries none. Every write
/// restarts the wait. An interval of 0 turns keep-alive off.
///
/// The times are from a clock that does not run backwards (a monotonic
/// one): a time earlier than the last write is taken as that write's.
///
/// ```
/// use sse_wire::server::KeepAlive;
///
/// let mut keep_alive = KeepAlive::new(1_000, 0);
/// keep_alive.wrote(600); // an event went out at 0.6 s
/// assert_eq!(keep_alive.due_at(), 1_600);
/// assert_eq!(keep_alive.poll(1_599), None);
/// assert_eq!(keep_alive.poll(1_600), Some(&b":\n"[..]));
/// assert_eq!(keep_alive.due_at(), 2_600); // the comment was a write too
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepAlive {
    every: u64,
    last_write: u64,
}

impl KeepAlive {
    /// A keep-alive that asks for a comment after `every_ms` milliseconds
    /// without a write, counted from `now_ms`; never, when `every_ms` is 0.
    #[must_use]
    pub const fn new(every_ms: u64, now_ms: u64) -> Self {
        KeepAlive {
            every: every_ms,
            last_write: now_ms,
        }
    }

    /// Tells it that something was written at `now_ms`.
    pub fn wrote(&mut self, now_ms: u64) {
        self.last_write = self.last_write.max(now_ms);
    }

    /// When the next comment is due, if nothing is written before: the time
    /// to wake up at. `u64::MAX` stands for never (keep-alive off, or due
    /// past the end of the clock).
    #[must_use]
    pub const fn due_at(&self) -> u64 {
        if self.every == 0 {
            return u64::MAX;
        }
        self.last_write.saturating_add(self.every)
    }

    /// The comment to write now, if one is due; it counts as a write.
    pub fn poll(&mut self, now_ms: u64) -> Option<&'static [u8]> {
        let due = self.due_at();
        if now_ms < due || due == u64::MAX {
            return None;
        }
        self.last_write = now_ms;
        Some(KEEP_ALIVE_COMMENT)
    }
}

/// Where a reader is in a [`ReplayLog`]: the position of the next event it
/// reads. A cursor is a number; it borrows nothing, so any number of
/// readers can hold one while the log grows. It belongs to the log that
/// gave it: another log reads it as a position of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cursor(u64);

/// The answer of [`ReplayLog::after`] when it cannot say what a client
/// missed: the ID is not in the log, because it is older than what the log
/// keeps or was never in it (a previous run of the server, another server).
///
/// Events may be lost. Tell the client so, e.g. with a `reset` event, and
/// go on from [`ReplayLog::live`] or [`ReplayLog::oldest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap;

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the last event ID is not in the replay log: events may have been missed")
    }
}

impl core::error::Error for Gap {}

/// An event kept by a [`ReplayLog`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Its ID.
    pub id: &'a str,
    /// The encoded event, ID line included: the bytes to write.
    pub frame: &'a [u8],
}

/// What [`ReplayLog::next`] found at a cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next<'a> {
    /// The next event; the cursor moved past it.
    Event(Entry<'a>),
    /// The cursor had fallen behind the log: this many events were dropped
    /// from the log before it read them. The cursor now points at the
    /// oldest event kept. Tell the client (a `reset` event), or disconnect
    /// it: this is the back-pressure of a reader that is too slow.
    Missed(u64),
    /// No event after the cursor yet.
    CaughtUp,
}

/// Why [`ReplayLog::append`] refused an event; the log is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The frame is not valid ([`Frame::validate`]).
    Encode(EncodeError),
    /// The frame is not [`Frame::Event`]: comments and retry hints are not
    /// replayed.
    NotAnEvent,
    /// The encoded event and its ID are larger than the whole storage.
    TooLarge {
        /// The bytes the event needs.
        needed: usize,
    },
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppendError::Encode(error) => error.fmt(f),
            AppendError::NotAnEvent => f.write_str("only events are kept in a replay log"),
            AppendError::TooLarge { needed } => {
                write!(
                    f,
                    "the event needs {needed} bytes, more than the replay log holds"
                )
            }
        }
    }
}

impl core::error::Error for AppendError {}

impl From<EncodeError> for AppendError {
    fn from(error: EncodeError) -> Self {
        AppendError::Encode(error)
    }
}

/// Where one event of a [`ReplayLog`] sits in its storage: its ID's bytes
/// at `start`, then its frame's. Offsets are `u32`s (the log uses at most
/// 4 GiB of its storage), so a slot is 16 bytes.
#[derive(Clone, Copy, Debug)]
struct Slot {
    start: u32,
    id_len: u32,
    frame_len: u32,
    /// Whether the log gave the ID (a number of its count).
    assigned: bool,
}

impl Slot {
    const fn start(&self) -> usize {
        self.start as usize
    }

    const fn id_end(&self) -> usize {
        self.start() + self.id_len as usize
    }

    const fn end(&self) -> usize {
        self.id_end() + self.frame_len as usize
    }
}

/// The most storage a [`ReplayLog`] uses, so that offsets fit a `u32`.
const MAX_STORAGE: usize = u32::MAX as usize;

/// An offset below [`MAX_STORAGE`] as a `u32`.
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// The most digits an assigned ID has (`u64::MAX`).
const ID_DIGITS: usize = U64_DIGITS;

/// The last events of a stream, encoded once, for clients that resume with
/// `Last-Event-ID` and for readers that follow the stream at their own pace.
///
/// Its memory is fixed when it is made: at most `EVENTS` events, in the
/// bytes of `storage` (anything that lends a `&mut [u8]`: an array, a
/// `&mut [u8]`, a `Vec<u8>` or `Box<[u8]>` of the size wanted). An event
/// is stored as its ID and its encoded frame, contiguous; appending evicts
/// the oldest events until the new one fits. Every event has an ID: the
/// one its frame gives, or else the next number of the log's own count.
///
/// Besides the storage (of which it uses at most 4 GiB), the log holds 16
/// bytes per event (its place in the storage) inline: a log of 100,000
/// events is 1.6 MB by itself, so make a large one where the stack has room
/// for it (or in a `static`).
///
/// ```
/// use sse_wire::server::{Gap, Next, ReplayLog};
/// use sse_wire::Frame;
///
/// // Room for 3 events.
/// let mut log = ReplayLog::<_, 3>::new(vec![0u8; 4096]);
/// for data in ["a", "b", "c", "d", "e"] {
///     let entry = log.append(&Frame::data(data)).unwrap();
///     println!("sent {} as ID {}", data, entry.id);
/// }
/// assert_eq!(log.len(), 3); // "a" and "b" (IDs 1 and 2) were evicted
///
/// let mut cursor = log.after("3").unwrap();
/// let Next::Event(entry) = log.next(&mut cursor) else { panic!() };
/// assert_eq!((entry.id, entry.frame), ("4", &b"id: 4\ndata: d\n\n"[..]));
///
/// // A client that saw ID 2 missed nothing the log holds: it gets all of it.
/// assert_eq!(log.after("2"), Ok(log.oldest()));
/// // One that saw ID 1 missed "b", which is gone; ID 99 never existed: both
/// // are gaps.
/// assert_eq!(log.after("1"), Err(Gap));
/// assert_eq!(log.after("99"), Err(Gap));
/// // No ID: a new client, which starts with the next event.
/// assert_eq!(log.after(""), Ok(log.live()));
/// ```
pub struct ReplayLog<S, const EVENTS: usize> {
    storage: S,
    slots: Deque<Slot, EVENTS>,
    /// The sequence number of the oldest event kept (of the next one when
    /// the log is empty).
    first: u64,
    /// The ID the next event without one gets.
    next_id: u64,
    /// Where the next event would start: the end of the newest one.
    head: usize,
    /// How many of the events kept have an ID the log did not give. With
    /// none, the IDs kept are consecutive numbers, found without a search.
    given: usize,
    /// The number of the event evicted last, when the log gave its ID: a
    /// client that resumes from it has missed nothing the log holds.
    evicted: Option<u64>,
}

impl<S, const EVENTS: usize> fmt::Debug for ReplayLog<S, EVENTS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayLog")
            .field("events", &self.slots.len())
            .field("oldest", &self.first)
            .field("next_id", &self.next_id)
            .finish_non_exhaustive()
    }
}

impl<S: AsRef<[u8]> + AsMut<[u8]>, const EVENTS: usize> ReplayLog<S, EVENTS> {
    /// An empty log over `storage`. Events without an ID get 1, 2, 3 and
    /// so on.
    ///
    /// ```
    /// use sse_wire::server::ReplayLog;
    ///
    /// // On a device: fixed memory, no allocator.
    /// let log = ReplayLog::<[u8; 2048], 32>::new([0; 2048]);
    /// assert!(log.is_empty());
    /// ```
    #[must_use]
    pub fn new(storage: S) -> Self {
        const { assert!(EVENTS > 0, "a ReplayLog needs room for at least one event") };
        ReplayLog {
            storage,
            slots: Deque::new(),
            first: 0,
            next_id: 1,
            head: 0,
            given: 0,
            evicted: None,
        }
    }

    /// The same log, with assigned IDs counting from `first` (after
    /// `u64::MAX` the count wraps to 0). A server that starts its count
    /// from the time it started, in milliseconds, does not hand out an ID
    /// of a previous run again as long as each run sends fewer events than
    /// milliseconds pass before the next one starts: a client that resumes
    /// across a restart then gets a [`Gap`], not events it did not miss.
    /// Where that does not hold, give the IDs yourself, e.g. the start time
    /// and a count, `"{start}-{n}"`.
    ///
    /// ```
    /// use sse_wire::server::ReplayLog;
    /// use sse_wire::Frame;
    ///
    /// let mut log = ReplayLog::<_, 8>::new([0u8; 512]).with_first_id(1_700_000_000_000);
    /// assert_eq!(log.append(&Frame::data("x")).unwrap().id, "1700000000000");
    /// ```
    #[must_use]
    pub fn with_first_id(mut self, first: u64) -> Self {
        self.next_id = first;
        // Numbers already handed out no longer run on from the count: they
        // are searched as given IDs.
        for slot in self.slots.iter_mut() {
            slot.assigned = false;
        }
        self.given = self.slots.len();
        self.evicted = None;
        self
    }

    /// How many events the log holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the log holds no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The ID of the newest event.
    ///
    /// ```
    /// use sse_wire::server::ReplayLog;
    /// use sse_wire::Frame;
    ///
    /// let mut log = ReplayLog::<_, 8>::new([0u8; 512]);
    /// assert_eq!(log.last_id(), None);
    /// log.append(&Frame::Event { event_type: None, id: Some("k-7"), data: Some("x") }).unwrap();
    /// assert_eq!(log.last_id(), Some("k-7"));
    /// ```
    #[must_use]
    pub fn last_id(&self) -> Option<&str> {
        self.slots.back().map(|slot| self.entry(slot).id)
    }

    /// A cursor at the next event to be appended: where a new client
    /// starts.
    #[must_use]
    pub fn live(&self) -> Cursor {
        Cursor(self.first + self.slots.len() as u64)
    }

    /// A cursor at the oldest event kept.
    #[must_use]
    pub fn oldest(&self) -> Cursor {
        Cursor(self.first)
    }

    /// Where a client that sent `last_event_id` resumes: right after the
    /// event with that ID (the newest one, if several share it: so keep
    /// given IDs apart from the log's numbers, or a client that saw an
    /// older event with the same ID resumes too late). The event evicted
    /// last counts too, when the log gave its ID: the client missed
    /// nothing, and resumes at the oldest event kept. An empty ID, which
    /// is what a client sends when it has none, starts at
    /// [`live`](Self::live).
    ///
    /// When every event kept has an ID the log gave, the answer takes
    /// constant time; otherwise the IDs kept are searched, newest first.
    ///
    /// # Errors
    ///
    /// [`Gap`] when no event kept has that ID (nor the one evicted last).
    ///
    /// ```
    /// use sse_wire::server::{Gap, ReplayLog};
    /// use sse_wire::Frame;
    ///
    /// let mut log = ReplayLog::<_, 2>::new([0u8; 256]);
    /// for data in ["a", "b", "c", "d"] {
    ///     log.append(&Frame::data(data)).unwrap();
    /// }
    /// // The log holds 3 and 4. A client that saw 2 missed nothing kept;
    /// // one that saw 1 missed 2, which is gone.
    /// assert_eq!(log.after("2"), Ok(log.oldest()));
    /// assert_eq!(log.after("1"), Err(Gap));
    /// ```
    pub fn after(&self, last_event_id: &str) -> Result<Cursor, Gap> {
        if last_event_id.is_empty() {
            return Ok(self.live());
        }
        let number = parse_number(last_event_id);
        let len = self.slots.len() as u64;
        if self.given == 0 {
            // The IDs kept are the numbers `next_id - len` to `next_id - 1`.
            if let Some(number) = number {
                let from_oldest = number.wrapping_sub(self.next_id.wrapping_sub(len));
                if from_oldest < len {
                    return Ok(Cursor(self.first + from_oldest + 1));
                }
            }
        } else {
            let wanted = last_event_id.as_bytes();
            let storage = self.storage.as_ref();
            let newest_first = self.slots.iter().rev().enumerate();
            for (back, slot) in newest_first {
                if storage.get(slot.start()..slot.id_end()) == Some(wanted) {
                    return Ok(Cursor(self.live().0 - back as u64));
                }
            }
        }
        match (number, self.evicted) {
            (Some(number), Some(evicted)) if number == evicted => Ok(self.oldest()),
            _ => Err(Gap),
        }
    }

    /// The event at `cursor`, moving the cursor past it.
    ///
    /// ```
    /// use sse_wire::server::{Next, ReplayLog};
    /// use sse_wire::Frame;
    ///
    /// let mut log = ReplayLog::<_, 2>::new([0u8; 256]);
    /// let mut slow = log.live();
    /// for data in ["a", "b", "c"] {
    ///     log.append(&Frame::data(data)).unwrap();
    /// }
    /// // The reader slept through "a", which the log no longer holds.
    /// assert_eq!(log.next(&mut slow), Next::Missed(1));
    /// assert!(matches!(log.next(&mut slow), Next::Event(entry) if entry.id == "2"));
    /// assert!(matches!(log.next(&mut slow), Next::Event(entry) if entry.id == "3"));
    /// assert_eq!(log.next(&mut slow), Next::CaughtUp);
    /// ```
    pub fn next(&self, cursor: &mut Cursor) -> Next<'_> {
        if cursor.0 > self.live().0 {
            // Not a cursor of this log (it is past the newest event): it
            // reads from now on, rather than wait for a position the log
            // has not reached.
            *cursor = self.live();
        }
        if cursor.0 < self.first {
            let missed = self.first - cursor.0;
            *cursor = self.oldest();
            return Next::Missed(missed);
        }
        let index = usize::try_from(cursor.0 - self.first).unwrap_or(usize::MAX);
        // In constant time: a reader of a long log pays nothing for its
        // place in it.
        let (older, newer) = self.slots.as_slices();
        let slot = match index.checked_sub(older.len()) {
            None => older.get(index),
            Some(index) => newer.get(index),
        };
        match slot {
            Some(slot) => {
                cursor.0 += 1;
                Next::Event(self.entry(slot))
            }
            None => Next::CaughtUp,
        }
    }

    /// Appends an event, encoded once. A frame without an ID gets the next
    /// number of the log's count; a frame with one keeps it (the count does
    /// not move). The oldest events are evicted until the new one fits,
    /// both in count and in bytes.
    ///
    /// # Errors
    ///
    /// [`AppendError`]; the log is then unchanged.
    ///
    /// ```
    /// use sse_wire::server::{AppendError, ReplayLog};
    /// use sse_wire::{EncodeError, Frame};
    ///
    /// let mut log = ReplayLog::<_, 8>::new([0u8; 64]);
    /// let entry = log.append(&Frame::Event { event_type: Some("note"), id: None, data: Some("hi") });
    /// assert_eq!(entry.unwrap().frame, b"event: note\nid: 1\ndata: hi\n\n");
    ///
    /// let bad = Frame::Event { event_type: Some("a\nb"), id: None, data: Some("x") };
    /// assert_eq!(log.append(&bad), Err(AppendError::Encode(EncodeError::LineBreakInEventType)));
    /// assert_eq!(log.append(&Frame::data(&"x".repeat(100))), Err(AppendError::TooLarge { needed: 115 }));
    /// assert_eq!(log.len(), 1);
    /// ```
    pub fn append(&mut self, frame: &Frame<'_>) -> Result<Entry<'_>, AppendError> {
        let Frame::Event {
            event_type,
            id,
            data,
        } = *frame
        else {
            return Err(AppendError::NotAnEvent);
        };
        let mut digits = [0u8; ID_DIGITS];
        let assigned = id.is_none();
        let id = match id {
            Some(id) => id,
            // ASCII digits.
            None => core::str::from_utf8(decimal(self.next_id, &mut digits)).unwrap_or_default(),
        };
        let framed = Frame::Event {
            event_type,
            id: Some(id),
            data,
        };
        let frame_len = framed.encoded_len()?;
        let needed = id.len() + frame_len;
        if needed > self.capacity() {
            return Err(AppendError::TooLarge { needed });
        }
        let start = self.make_room(needed);
        let storage = self.storage.as_mut();
        let (id_bytes, rest) = storage
            .get_mut(start..start + needed)
            .unwrap_or_default()
            .split_at_mut(id.len());
        id_bytes.copy_from_slice(id.as_bytes());
        framed.encode_to_slice(rest)?;
        let slot = Slot {
            start: offset(start),
            id_len: offset(id.len()),
            frame_len: offset(frame_len),
            assigned,
        };
        self.head = slot.end();
        if self.slots.push_back(slot).is_err() {
            // `make_room` left a free slot; not reached.
            return Err(AppendError::TooLarge { needed });
        }
        if assigned {
            self.next_id = self.next_id.wrapping_add(1);
        } else {
            self.given += 1;
        }
        Ok(self.entry(&slot))
    }

    /// The bytes of the storage the log uses.
    fn capacity(&self) -> usize {
        self.storage.as_ref().len().min(MAX_STORAGE)
    }

    /// Evicts the oldest events until `needed` bytes (no more than the
    /// storage) fit after the newest one, or, when they do not fit before
    /// the end of the storage, at its start; and until a slot is free.
    /// Returns where the new event goes.
    fn make_room(&mut self, needed: usize) -> usize {
        if self.slots.is_full() {
            self.evict_oldest();
        }
        let capacity = self.capacity();
        let (start, wraps) = if self.head + needed <= capacity {
            (self.head, false)
        } else {
            (0, true)
        };
        // The bytes claimed: from the newest event's end to the new one's,
        // which, when the event wraps, includes the unused end of the
        // storage. The events are stored oldest first from where the newest
        // ends, so the ones to evict are the oldest whose start is claimed.
        let head = self.head;
        let claimed = |at: usize| {
            if wraps {
                at >= head || at < needed
            } else {
                at >= start && at < start + needed
            }
        };
        while let Some(oldest) = self.slots.front() {
            if !claimed(oldest.start()) {
                break;
            }
            self.evict_oldest();
        }
        start
    }

    fn evict_oldest(&mut self) {
        let Some(slot) = self.slots.pop_front() else {
            return;
        };
        self.first += 1;
        self.evicted = if slot.assigned {
            let id = self.storage.as_ref().get(slot.start()..slot.id_end());
            id.and_then(|id| core::str::from_utf8(id).ok())
                .and_then(parse_number)
        } else {
            self.given -= 1;
            None
        };
    }

    fn entry(&self, slot: &Slot) -> Entry<'_> {
        let storage = self.storage.as_ref();
        let id = storage.get(slot.start()..slot.id_end()).unwrap_or_default();
        let frame = storage.get(slot.id_end()..slot.end()).unwrap_or_default();
        Entry {
            // The bytes were copied from a `&str`.
            id: core::str::from_utf8(id).unwrap_or_default(),
            frame,
        }
    }
}

/// The number an ID the log gave stands for: decimal digits, without a
/// leading zero (but `"0"`), that fit a `u64`.
fn parse_number(id: &str) -> Option<u64> {
    let canonical = id.len() <= ID_DIGITS
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id.len() == 1 || !id.starts_with('0'));
    if canonical {
        id.parse().ok()
    } else {
        None
    }
}

/// What a full [`Queue`] does with a new item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Drop the oldest item to make room, and mark the gap: the next
    /// [`Queue::pop`] reports how many were dropped before it hands out
    /// the items after them.
    DropOldest,
    /// Refuse the item and close the queue: the client is too slow, and
    /// the server disconnects it.
    Disconnect,
}

/// What [`Queue::push`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Pushed<T> {
    /// The item is queued.
    Queued,
    /// The item is queued; the oldest one, returned here, was dropped.
    DroppedOldest(T),
    /// The queue was full under [`Overflow::Disconnect`], or already
    /// closed: the item, returned here, was refused, and the queue is
    /// closed. Disconnect the client once it has written what it holds.
    Disconnect(T),
}

/// What [`Queue::pop`] hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popped<T> {
    /// The next item.
    Item(T),
    /// Items were dropped here, `dropped` of them, under
    /// [`Overflow::DropOldest`]: tell the client (a `reset` event) before
    /// the items that follow.
    Gap {
        /// How many items were dropped.
        dropped: u64,
    },
}

/// A per-client queue of at most `N` items, with a policy for when it is
/// full: it never grows. Items are whatever the server sends a client,
/// e.g. encoded events.
///
/// ```
/// use sse_wire::server::{Overflow, Popped, Pushed, Queue};
///
/// let mut queue = Queue::<&str, 2>::new(Overflow::DropOldest);
/// assert_eq!(queue.push("a"), Pushed::Queued);
/// assert_eq!(queue.push("b"), Pushed::Queued);
/// assert_eq!(queue.push("c"), Pushed::DroppedOldest("a"));
/// assert_eq!(queue.pop(), Some(Popped::Gap { dropped: 1 }));
/// assert_eq!(queue.pop(), Some(Popped::Item("b")));
/// assert_eq!(queue.pop(), Some(Popped::Item("c")));
/// assert_eq!(queue.pop(), None);
///
/// let mut strict = Queue::<&str, 1>::new(Overflow::Disconnect);
/// assert_eq!(strict.push("a"), Pushed::Queued);
/// assert_eq!(strict.push("b"), Pushed::Disconnect("b"));
/// assert!(strict.is_closed());
/// ```
#[derive(Debug)]
pub struct Queue<T, const N: usize> {
    items: Deque<T, N>,
    policy: Overflow,
    /// Items dropped since the last pop that reported a gap.
    dropped: u64,
    closed: bool,
}

impl<T, const N: usize> Queue<T, N> {
    /// An empty queue with the given policy.
    #[must_use]
    pub const fn new(policy: Overflow) -> Self {
        const { assert!(N > 0, "a Queue needs room for at least one item") };
        Queue {
            items: Deque::new(),
            policy,
            dropped: 0,
            closed: false,
        }
    }

    /// Queues `item`, by the policy when the queue is full.
    pub fn push(&mut self, item: T) -> Pushed<T> {
        if self.closed {
            return Pushed::Disconnect(item);
        }
        let mut dropped = None;
        if self.items.is_full() {
            match self.policy {
                Overflow::Disconnect => {
                    self.closed = true;
                    return Pushed::Disconnect(item);
                }
                Overflow::DropOldest => {
                    dropped = self.items.pop_front();
                    self.dropped += 1;
                }
            }
        }
        match self.items.push_back(item) {
            Ok(()) => match dropped {
                Some(old) => Pushed::DroppedOldest(old),
                None => Pushed::Queued,
            },
            // Not reached: a full queue made room above (and `N` is at
            // least 1).
            Err(item) => {
                self.closed = true;
                Pushed::Disconnect(item)
            }
        }
    }

    /// The next item, after a [`Popped::Gap`] when items were dropped
    /// before it.
    pub fn pop(&mut self) -> Option<Popped<T>> {
        if self.dropped > 0 {
            let dropped = core::mem::take(&mut self.dropped);
            return Some(Popped::Gap { dropped });
        }
        self.items.pop_front().map(Popped::Item)
    }

    /// How many items are queued.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the queue refused an item under [`Overflow::Disconnect`]:
    /// the client should be disconnected once the queued items are out.
    #[must_use]
    pub const fn is_closed(&self) -> bool {
        self.closed
    }
}

#[cfg(feature = "alloc")]
pub use self::message::Message;

#[cfg(feature = "alloc")]
mod message {
    use alloc::vec::Vec;
    use core::fmt;

    use crate::encoder::{append_field, FieldValue};
    use crate::{EncodeError, Frame};

    /// An event (or comment, or retry hint) to send, owned, written out as
    /// it is built (feature `alloc`). Each step checks its value as the
    /// encoder does, and the first error is returned at the end, so a
    /// handler chains the steps and handles one `Result`.
    ///
    /// Fields are written in the order of the calls. Each
    /// [`data`](Self::data) call adds lines to the data, so
    /// `.data("a").data("b")` is the data `"a\nb"`.
    ///
    /// ```
    /// use sse_wire::server::Message;
    /// use sse_wire::EncodeError;
    ///
    /// let bytes = Message::new().event("update").id("7").data("line one\r\nline two").to_vec();
    /// assert_eq!(bytes.unwrap(), b"event: update\nid: 7\ndata: line one\ndata: line two\n\n");
    ///
    /// let injected = Message::new().event("a\ndata: injected").data("x").to_vec();
    /// assert_eq!(injected, Err(EncodeError::LineBreakInEventType));
    ///
    /// assert_eq!(Message::new().comment("ping").to_vec().unwrap(), b": ping\n");
    /// assert_eq!(Message::new().retry(2_000).data("x").to_vec().unwrap(), b"retry: 2000\ndata: x\n\n");
    /// ```
    #[derive(Clone, Default, PartialEq, Eq)]
    #[must_use]
    pub struct Message {
        bytes: Vec<u8>,
        /// Whether an event field was written: the message then ends with
        /// a blank line.
        event: bool,
        error: Option<EncodeError>,
    }

    impl Message {
        /// An empty message: it writes nothing until a step adds to it.
        pub fn new() -> Self {
            Self::default()
        }

        /// An empty message with room for `bytes` bytes, for a caller that
        /// knows the size.
        pub fn with_capacity(bytes: usize) -> Self {
            Message {
                bytes: Vec::with_capacity(bytes),
                ..Self::default()
            }
        }

        fn field(mut self, field: FieldValue<'_>) -> Self {
            if self.error.is_none() {
                match append_field(&mut self.bytes, field) {
                    Ok(()) => self.event = true,
                    Err(error) => self.error = Some(error),
                }
            }
            self
        }

        /// Writes the event type (`event:`). An error if it has CR or LF.
        /// A second call writes a second line, which clients read as the
        /// last word. An event with no data is not dispatched by clients
        /// (its ID still counts).
        pub fn event(self, event_type: impl AsRef<str>) -> Self {
            self.field(FieldValue::EventType(event_type.as_ref()))
        }

        /// Writes the event ID (`id:`). An error if it has CR, LF or NUL.
        pub fn id(self, id: impl AsRef<str>) -> Self {
            self.field(FieldValue::Id(id.as_ref()))
        }

        /// Adds data: one `data:` line per line of `data` (cut at LF, CR or
        /// CRLF), so any text arrives as it was given, line ends as LF.
        pub fn data(self, data: impl AsRef<str>) -> Self {
            self.field(FieldValue::Data(data.as_ref()))
        }

        /// Adds a comment line per line of `text`; clients ignore it.
        pub fn comment(mut self, text: impl AsRef<str>) -> Self {
            if self.error.is_none() {
                // A comment is always valid.
                let _ = Frame::Comment(text.as_ref()).append_to_vec(&mut self.bytes);
            }
            self
        }

        /// Adds a `retry:` hint: the reconnection delay the client should
        /// use, in milliseconds.
        pub fn retry(mut self, ms: u64) -> Self {
            if self.error.is_none() {
                // A retry hint is always valid.
                let _ = Frame::Retry(ms).append_to_vec(&mut self.bytes);
            }
            self
        }

        /// The encoded bytes.
        ///
        /// # Errors
        ///
        /// The first step's error ([`EncodeError::LineBreakInEventType`],
        /// [`EncodeError::LineBreakInId`] or [`EncodeError::NulInId`]).
        pub fn to_vec(mut self) -> Result<Vec<u8>, EncodeError> {
            if let Some(error) = self.error {
                return Err(error);
            }
            if self.event {
                self.bytes.push(b'\n');
            }
            Ok(self.bytes)
        }

        /// The encoded bytes as `bytes::Bytes` (feature `bytes`), without a
        /// copy: what axum's and hyper's bodies take.
        ///
        /// # Errors
        ///
        /// As [`to_vec`](Self::to_vec).
        ///
        /// ```
        /// use sse_wire::server::Message;
        ///
        /// let bytes = Message::new().data("hi").into_bytes().unwrap();
        /// assert_eq!(&bytes[..], b"data: hi\n\n");
        /// ```
        #[cfg(feature = "bytes")]
        pub fn into_bytes(self) -> Result<bytes::Bytes, EncodeError> {
            self.to_vec().map(bytes::Bytes::from)
        }
    }

    impl fmt::Debug for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Message")
                .field(
                    "bytes",
                    &alloc::string::String::from_utf8_lossy(&self.bytes),
                )
                .field("error", &self.error)
                .finish()
        }
    }
}

#[cfg(feature = "tokio")]
pub use self::keep_alive::{keep_alive, KeepAliveStream};

#[cfg(feature = "tokio")]
mod keep_alive {
    use alloc::boxed::Box;
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use core::time::Duration;

    use bytes::Bytes;
    use futures_core::Stream;
    use tokio::time::{Instant, Sleep};

    use super::KEEP_ALIVE_COMMENT;

    /// Adds keep-alive comments to a body stream of encoded events
    /// (feature `tokio`): a comment after `every` with nothing sent, and
    /// none while events flow. The wait starts at the first poll;
    /// `Duration::ZERO` turns keep-alive off. Needs tokio's timer.
    ///
    /// Each item must end at a line break, as a whole encoded frame does (a
    /// [`Message`](super::Message)'s bytes): a comment put between two
    /// halves of a line would become part of it. An `Err` item passes
    /// through as it is; a body that ends on it ends the response, so map
    /// or drop errors first if the stream should go on.
    ///
    /// With [`HEADERS`](super::HEADERS) and [`Message`](super::Message),
    /// an axum handler is:
    ///
    /// ```ignore
    /// async fn ticks() -> impl IntoResponse {
    ///     let events = tick_stream().map(|n| Message::new().event("tick").data(n.to_string()).into_bytes());
    ///     (server::HEADERS, Body::from_stream(server::keep_alive(events, Duration::from_secs(15))))
    /// }
    /// ```
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures_util::StreamExt;
    /// use sse_wire::server::{keep_alive, Message};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let events = futures_util::stream::iter(["a", "b"]).map(|data| Message::new().data(data).into_bytes());
    /// // A stream that sends two events, then nothing for 25 s.
    /// let quiet = events.chain(futures_util::stream::once(async {
    ///     tokio::time::sleep(Duration::from_secs(25)).await;
    ///     Message::new().data("late").into_bytes()
    /// }));
    /// let body: Vec<_> = keep_alive(quiet, Duration::from_secs(10)).map(|item| item.unwrap()).collect().await;
    /// assert_eq!(body, ["data: a\n\n", "data: b\n\n", ":\n", ":\n", "data: late\n\n"]);
    /// # });
    /// ```
    pub fn keep_alive<S, E>(stream: S, every: Duration) -> KeepAliveStream<S>
    where
        S: Stream<Item = Result<Bytes, E>>,
    {
        KeepAliveStream {
            stream: Some(Box::pin(stream)),
            every,
            sleep: None,
        }
    }

    /// The stream [`keep_alive`] returns. It is fused: after the inner
    /// stream ends, it ends for good.
    pub struct KeepAliveStream<S> {
        /// `None` once it ended.
        stream: Option<Pin<Box<S>>>,
        every: Duration,
        /// Made at the first poll.
        sleep: Option<Pin<Box<Sleep>>>,
    }

    impl<S> core::fmt::Debug for KeepAliveStream<S> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("KeepAliveStream")
                .field("every", &self.every)
                .field("ended", &self.stream.is_none())
                .finish_non_exhaustive()
        }
    }

    /// `every` from now, or, past the end of tokio's clock, a time as good
    /// as never.
    fn deadline(every: Duration) -> Instant {
        let now = Instant::now();
        now.checked_add(every)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
    }

    impl<S, E> Stream for KeepAliveStream<S>
    where
        S: Stream<Item = Result<Bytes, E>>,
    {
        type Item = Result<Bytes, E>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let this = &mut *self;
            let Some(stream) = this.stream.as_mut() else {
                return Poll::Ready(None);
            };
            let every = this.every;
            match stream.as_mut().poll_next(cx) {
                Poll::Ready(None) => {
                    this.stream = None;
                    this.sleep = None;
                    Poll::Ready(None)
                }
                Poll::Ready(Some(item)) => {
                    if let Some(sleep) = this.sleep.as_mut() {
                        sleep.as_mut().reset(deadline(every));
                    }
                    Poll::Ready(Some(item))
                }
                Poll::Pending if every.is_zero() => Poll::Pending,
                Poll::Pending => {
                    let sleep = this
                        .sleep
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline(every))));
                    match sleep.as_mut().poll(cx) {
                        Poll::Ready(()) => {
                            sleep.as_mut().reset(deadline(every));
                            Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE_COMMENT))))
                        }
                        Poll::Pending => Poll::Pending,
                    }
                }
            }
        }

        fn size_hint(&self) -> (usize, Option<usize>) {
            match &self.stream {
                // Comments may come besides the items.
                Some(stream) => (stream.size_hint().0, None),
                None => (0, Some(0)),
            }
        }
    }

    impl<S, E> futures_core::FusedStream for KeepAliveStream<S>
    where
        S: Stream<Item = Result<Bytes, E>>,
    {
        fn is_terminated(&self) -> bool {
            self.stream.is_none()
        }
    }
}
