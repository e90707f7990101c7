//! sse-wire's server kit on axum: a broadcast with replay and keep-alive.
//!
//! One producer appends events to a [`ReplayLog`] shared by every client (in
//! a [`Mutex`]) and wakes them through a [`watch`] channel of the newest
//! sequence number ([`Hub::publish`]). Each client's response body
//! ([`Hub::subscribe`]) holds a [`Cursor`] into that log, a handle on the
//! hub and its keep-alive timer, a few hundred bytes in all. It starts where
//! the client's `Last-Event-ID` says ([`ReplayLog::after`]), and copies
//! frames out of the log only when hyper asks for the next chunk, which
//! hyper stops doing while it holds 16 chunks or about 400 KiB the client
//! has not taken. A client that reads slowly is not queued for: the producer
//! never waits for it, and what it costs does not grow with its lag. If it
//! falls out of the log ([`Next::Missed`]), or asks for an ID the log no
//! longer holds ([`Gap`]), it gets a `reset` event and goes on with what the
//! log has.
//! Keep-alive comments come from [`server::keep_alive`] around the body.
//!
//! The routes ([`router`]):
//! - `GET /events`: the broadcast.
//! - `GET /ticks`: the shortest stream on the kit, [`ticks`].
//! - `GET /axum-sse`: the same stream on axum's own `Sse`, [`axum_ticks`],
//!   for comparison.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod setup;
pub mod wire;

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use bytes::{Bytes, BytesMut};
use futures_util::{stream, Stream, StreamExt};
use sse_wire::server::{self, AppendError, Cursor, Gap, Message, Next, ReplayLog};
use sse_wire::Frame;
use tokio::sync::watch;
use tokio::time::interval;
use tokio_stream::wrappers::IntervalStream;

/// Events the server's log keeps for clients that resume.
pub const LOG_EVENTS: usize = 4096;
/// Bytes of encoded events (and their IDs) the server's log keeps, at most.
pub const LOG_BYTES: usize = 4 << 20;

/// A client's body chunk holds at most about this many bytes of frames, so
/// a client far behind catches up a chunk at a time, with the log's lock
/// held only for one chunk's copy.
const CHUNK_BYTES: usize = 64 * 1024;

/// The broadcast: the replay log, and what wakes the clients.
pub struct Hub<const EVENTS: usize> {
    /// The last `EVENTS` events in a fixed number of bytes, shared by the
    /// producer and every client.
    log: Mutex<ReplayLog<Box<[u8]>, EVENTS>>,
    /// The sequence number (and ID) of the newest event; every client
    /// watches it.
    newest: watch::Sender<u64>,
    /// A comment goes out when a client's stream was quiet this long.
    keep_alive: Duration,
}

impl<const EVENTS: usize> Hub<EVENTS> {
    /// A hub whose log keeps the last `EVENTS` events in `log_bytes` bytes,
    /// numbering them from `first_id`, and that sends keep-alive comments
    /// after `keep_alive` of silence.
    ///
    /// A server that counts from the time it started (in milliseconds)
    /// never reuses an ID of a previous run: a client that resumes across a
    /// restart gets a `reset`, not the wrong events.
    ///
    /// The events' bytes are on the heap, but the log's index (24 bytes per
    /// event, in the log itself) is built on the stack: keep `EVENTS` to
    /// some thousands when this runs on a tokio task, whose stack is 2 MiB.
    pub fn new(log_bytes: usize, first_id: u64, keep_alive: Duration) -> Self {
        Self {
            log: Mutex::new(ReplayLog::new(vec![0; log_bytes].into_boxed_slice())),
            newest: watch::Sender::new(first_id.saturating_sub(1)),
            keep_alive,
        }
    }

    /// The log, even if a thread panicked while holding it: every change to
    /// the log is a single call that leaves it whole.
    fn log(&self) -> MutexGuard<'_, ReplayLog<Box<[u8]>, EVENTS>> {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends an event of type `event_type`, with the data `make_data`
    /// returns for the event's number, and wakes every client; returns the
    /// number, which is also the event's ID.
    ///
    /// # Errors
    ///
    /// The log's [`AppendError`]: an event type with a line break, or an
    /// event larger than the whole log. Nothing is sent then.
    pub fn publish(
        &self,
        event_type: &str,
        make_data: impl FnOnce(u64) -> String,
    ) -> Result<u64, AppendError> {
        let mut log = self.log();
        let number = *self.newest.borrow() + 1;
        let data = make_data(number);
        let id = number.to_string();
        log.append(&Frame::Event {
            event_type: Some(event_type),
            id: Some(&id),
            data: Some(&data),
        })?;
        // Still under the log's lock: with several producers, the numbers
        // the clients are woken with only go up.
        self.newest.send_replace(number);
        Ok(number)
    }

    /// The body of one client's response: the events after
    /// `last_event_id` (`""`: from now on), then each new one, with
    /// keep-alive comments in the silences.
    pub fn subscribe(
        self: &Arc<Self>,
        last_event_id: &str,
    ) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
        // Watch before finding the start, so an event appended in between
        // still wakes this client.
        let newest = self.newest.subscribe();
        let (cursor, first) = {
            let log = self.log();
            match log.after(last_event_id) {
                Ok(cursor) => (cursor, None),
                Err(Gap) => (log.live(), Some(gap_reset(last_event_id, log.last_id()))),
            }
        };
        let client = Client { hub: Arc::clone(self), cursor, newest, first };
        server::keep_alive(stream::unfold(client, Client::next_chunk), self.keep_alive)
    }

    /// Copies the frames after `cursor` (about [`CHUNK_BYTES`] at most) and
    /// moves it past them. A cursor that fell out of the log gets a
    /// `reset` event and moves to the oldest event kept.
    fn read(&self, cursor: &mut Cursor) -> Bytes {
        let log = self.log();
        let mut chunk = BytesMut::new();
        while chunk.len() < CHUNK_BYTES {
            match log.next(cursor) {
                Next::Event(entry) => chunk.extend_from_slice(entry.frame),
                Next::Missed(missed) => chunk.extend_from_slice(&reset(
                    &format!(
                        "this client fell {missed} events behind; the stream goes on after them"
                    ),
                    None,
                )),
                Next::CaughtUp => break,
            }
        }
        chunk.freeze()
    }
}

/// A `reset` event: the client lost events and should reload its state. With
/// `id`, the client's last event ID moves there, so that a reconnection
/// resumes from it rather than from the ID the log lost.
fn reset(reason: &str, id: Option<&str>) -> Bytes {
    let message = Message::new().event("reset");
    let message = match id {
        Some(id) => message.id(id),
        None => message,
    };
    // The log's IDs and this text always encode; an empty chunk otherwise.
    message.data(reason).into_bytes().unwrap_or_default()
}

/// The `reset` for a `Last-Event-ID` the log does not hold, given the ID of
/// the log's newest event, where the client goes on.
fn gap_reset(last_event_id: &str, newest: Option<&str>) -> Bytes {
    // The ID came from a request header: shown only if it is short and plain.
    let shown = if last_event_id.len() <= 32 && last_event_id.bytes().all(|b| b.is_ascii_graphic())
    {
        last_event_id
    } else {
        "(not shown)"
    };
    reset(
        &format!(
            "the events after ID {shown} are no longer kept; the stream goes on with new ones"
        ),
        newest,
    )
}

/// One client's place in the broadcast: all it holds between chunks.
struct Client<const EVENTS: usize> {
    hub: Arc<Hub<EVENTS>>,
    cursor: Cursor,
    newest: watch::Receiver<u64>,
    /// A `reset` to send before anything else.
    first: Option<Bytes>,
}

impl<const EVENTS: usize> Client<EVENTS> {
    /// The next body chunk: what the log has after the cursor, waiting for
    /// the producer when there is nothing. It never ends by itself (the
    /// client's handle keeps the hub, and so the sender, alive): the
    /// connection's end drops it.
    async fn next_chunk(mut self) -> Option<(Result<Bytes, Infallible>, Self)> {
        if let Some(first) = self.first.take() {
            return Some((Ok(first), self));
        }
        loop {
            self.newest.borrow_and_update();
            let chunk = self.hub.read(&mut self.cursor);
            if !chunk.is_empty() {
                return Some((Ok(chunk), self));
            }
            self.newest.changed().await.ok()?;
        }
    }
}

/// Appends a `tick` event every `every` for ever, its data made by
/// [`wire::event_data`] with `payload` bytes of padding.
pub async fn produce<const EVENTS: usize>(hub: Arc<Hub<EVENTS>>, every: Duration, payload: usize) {
    let mut ticks = interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let published = hub.publish("tick", |n| wire::event_data(n, wire::now_us(), payload));
        if let Err(error) = published {
            eprintln!("server: an event was not appended: {error}");
        }
    }
}

/// `GET /events`: the broadcast, resumed after the request's
/// `Last-Event-ID`.
pub async fn events<const EVENTS: usize>(
    State(hub): State<Arc<Hub<EVENTS>>>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let last_event_id =
        headers.get("last-event-id").and_then(|value| value.to_str().ok()).unwrap_or("");
    (server::HEADERS, Body::from_stream(hub.subscribe(last_event_id)))
}

// The two handlers below stream the same ticks, one on sse-wire's kit and
// one on axum's `Sse`, to compare their length (`tests/handlers.rs` counts
// the lines between the markers).

// ticks: start
/// `GET /ticks`: a `tick` event every second, with keep-alive, on the kit.
pub async fn ticks() -> impl IntoResponse {
    let ticks = IntervalStream::new(interval(Duration::from_secs(1))).enumerate();
    let events = ticks.map(|(n, _)| Message::new().event("tick").data(n.to_string()).into_bytes());
    (server::HEADERS, Body::from_stream(server::keep_alive(events, Duration::from_secs(15))))
}
// ticks: end

// axum_ticks: start
/// `GET /axum-sse`: the same stream on axum's `Sse`.
pub async fn axum_ticks() -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ticks = IntervalStream::new(interval(Duration::from_secs(1))).enumerate();
    let events = ticks.map(|(n, _)| Ok(Event::default().event("tick").data(n.to_string())));
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
// axum_ticks: end

/// Raises the soft limit of open files (one per connection) to `wanted`,
/// and the hard limit too where that is allowed (as root); returns the soft
/// limit in force.
pub fn raise_open_files(wanted: u64) -> u64 {
    let (soft, hard) = rlimit::Resource::NOFILE.get().unwrap_or((0, 0));
    if soft >= wanted {
        return soft;
    }
    if rlimit::Resource::NOFILE.set(wanted, hard.max(wanted)).is_ok() {
        return wanted;
    }
    rlimit::increase_nofile_limit(wanted).unwrap_or(soft)
}

/// The routes: `/events` over `hub`, `/ticks` and `/axum-sse`.
pub fn router<const EVENTS: usize>(hub: Arc<Hub<EVENTS>>) -> Router {
    Router::new()
        .route("/events", get(events::<EVENTS>))
        .route("/ticks", get(ticks))
        .route("/axum-sse", get(axum_ticks))
        .with_state(hub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_state_is_a_few_hundred_bytes_however_far_behind_it_is() {
        let hub = Arc::new(Hub::<LOG_EVENTS>::new(1024, 1, Duration::from_secs(15)));
        let client = Client {
            hub: Arc::clone(&hub),
            cursor: hub.log().live(),
            newest: hub.newest.subscribe(),
            first: None,
        };
        // The body stream: the client's state and the future that waits for
        // the next event, then the keep-alive wrapper and its boxed timer.
        // A cursor is a number: the lag is not stored anywhere.
        let body = std::mem::size_of_val(&stream::unfold(client, Client::next_chunk));
        let keep_alive = std::mem::size_of::<server::KeepAliveStream<()>>()
            + std::mem::size_of::<tokio::time::Sleep>();
        println!("a client's body stream: {body} bytes, its keep-alive {keep_alive} bytes");
        assert!(body + keep_alive < 1024, "{body} + {keep_alive} bytes");
        assert_eq!(std::mem::size_of::<Cursor>(), 8);
    }
}
