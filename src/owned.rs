//! With the `alloc` feature: growable storage with a cap, owned events, and
//! encoding into a `Vec`.
//!
//! The growable parser is the same [`EventParser`] as the fixed-capacity
//! one, over a different [`Buffer`]: [`CappedBytes`] grows as text arrives,
//! up to a limit the caller sets, and refuses to pass it exactly as a full
//! `heapless::Vec` does. So overflow behaves the same way (a
//! [`ParseError`](crate::ParseError) naming the field, the rest of the event
//! skipped), and the memory a hostile stream can make the parser hold is
//! bounded by the caps.
//!
//! This file also owns the step that the `std`, `stream` and `embedded-io`
//! adaptors share: parse a chunk up to the next event, turning it into an
//! [`OwnedEvent`] and noting reconnection times on the way.

use alloc::string::String;
use alloc::vec::Vec;

use crate::buffer::{Buffer, Full};
use crate::encoder::Frame;
use crate::parser::{Event, EventParser};
#[cfg(any(feature = "std", feature = "stream"))]
use crate::parser::{ParseError, Status};

/// Bytes that grow on demand up to a fixed cap: the [`Buffer`] of
/// [`GrowableParser`].
///
/// It starts empty and allocates only as text arrives, so a parser with a
/// generous cap costs little until a large event comes. Its allocation is
/// kept between events.
///
/// ```
/// use sse_wire::{Buffer, CappedBytes, Full};
///
/// let mut bytes = CappedBytes::new(5);
/// assert_eq!(bytes.try_extend(b"hello"), Ok(()));
/// assert_eq!(bytes.try_extend(b"!"), Err(Full)); // the cap is 5 bytes
/// assert_eq!(bytes.as_bytes(), b"hello");
/// assert_eq!(bytes.capacity(), 5);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CappedBytes {
    bytes: Vec<u8>,
    cap: usize,
}

impl CappedBytes {
    /// An empty store that will hold at most `cap` bytes. Allocates
    /// nothing yet.
    ///
    /// ```
    /// let bytes = sse_wire::CappedBytes::new(1 << 20);
    /// assert_eq!(bytes.into_vec(), b"");
    /// ```
    pub const fn new(cap: usize) -> Self {
        CappedBytes {
            bytes: Vec::new(),
            cap,
        }
    }

    /// The bytes, giving up the cap.
    ///
    /// ```
    /// use sse_wire::{Buffer, CappedBytes};
    /// let mut bytes = CappedBytes::new(8);
    /// bytes.try_extend(b"abc").unwrap();
    /// assert_eq!(bytes.into_vec(), b"abc".to_vec());
    /// ```
    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }
}

impl Buffer for CappedBytes {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    #[inline]
    fn len(&self) -> usize {
        self.bytes.len()
    }

    #[inline]
    fn try_extend(&mut self, bytes: &[u8]) -> Result<(), Full> {
        // `self.bytes.len() <= self.cap` always holds, so this cannot wrap.
        if bytes.len() > self.cap - self.bytes.len() {
            return Err(Full);
        }
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    #[inline]
    fn truncate(&mut self, len: usize) {
        self.bytes.truncate(len);
    }

    #[inline]
    fn clear(&mut self) {
        self.bytes.clear();
    }

    #[inline]
    fn capacity(&self) -> usize {
        self.cap
    }
}

/// The event parser over growable storage with caps on its buffers.
///
/// Built by [`GrowableParser::with_caps`]: the same parser as
/// [`Parser`](crate::Parser), the same behaviour when a value does not fit,
/// but memory is taken only as events need it.
///
/// ```
/// use sse_wire::{GrowableParser, ParseError, Status};
///
/// let mut parser = GrowableParser::with_caps(8, 64);
/// let mut input: &[u8] = b"data: far too long\n\ndata: fits\n\n";
/// assert_eq!(parser.next(&mut input).unwrap_err(), ParseError::DataTooLong { capacity: 8 });
/// match parser.next(&mut input) {
///     Ok(Status::Event(event)) => assert_eq!(event.data(), "fits"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub type GrowableParser = EventParser<CappedBytes, CappedBytes>;

impl GrowableParser {
    /// The default cap on event data: 16 MiB.
    ///
    /// ```
    /// assert_eq!(sse_wire::GrowableParser::DEFAULT_DATA_CAP, 16 * 1024 * 1024);
    /// ```
    pub const DEFAULT_DATA_CAP: usize = 16 << 20;
    /// The default cap on the event type and the event ID: 4 KiB.
    ///
    /// ```
    /// assert_eq!(sse_wire::GrowableParser::DEFAULT_META_CAP, 4096);
    /// ```
    pub const DEFAULT_META_CAP: usize = 4 << 10;

    /// A parser whose event data may grow to `data` bytes and whose event
    /// type and ID may each grow to `meta` bytes.
    ///
    /// ```
    /// let parser = sse_wire::GrowableParser::with_caps(1 << 20, 256);
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    pub fn with_caps(data: usize, meta: usize) -> Self {
        EventParser::with_buffers(CappedBytes::new(data), CappedBytes::new(meta))
    }
}

impl Default for GrowableParser {
    /// A parser with [`DEFAULT_DATA_CAP`](Self::DEFAULT_DATA_CAP) and
    /// [`DEFAULT_META_CAP`](Self::DEFAULT_META_CAP).
    ///
    /// ```
    /// let parser = sse_wire::GrowableParser::default();
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    fn default() -> Self {
        Self::with_caps(Self::DEFAULT_DATA_CAP, Self::DEFAULT_META_CAP)
    }
}

/// An event that owns its text: what the `std`, `stream` and `embedded-io`
/// adaptors yield, and what [`Event::to_owned_event`] makes.
///
/// ```
/// use sse_wire::{OwnedEvent, Parser, Status};
///
/// let mut parser = Parser::<64>::new();
/// let mut input: &[u8] = b"event: tick\nid: 7\ndata: 1\n\n";
/// let owned = match parser.next(&mut input) {
///     Ok(Status::Event(event)) => event.to_owned_event(),
///     other => panic!("{other:?}"),
/// };
/// assert_eq!(owned, OwnedEvent::new("tick", "1", "7"));
/// // Back to the wire:
/// assert_eq!(owned.to_frame().encode_to_vec().unwrap(), b"event: tick\nid: 7\ndata: 1\n\n");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OwnedEvent {
    /// The event type; `"message"` when the stream named none.
    pub event_type: String,
    /// The data, its lines joined with LF.
    pub data: String,
    /// The last event ID when the event was dispatched (`""` if none).
    pub last_event_id: String,
}

impl OwnedEvent {
    /// An event from its type, data and last event ID.
    ///
    /// ```
    /// let event = sse_wire::OwnedEvent::new("message", "hi", "");
    /// assert_eq!(event.data, "hi");
    /// ```
    pub fn new(
        event_type: impl Into<String>,
        data: impl Into<String>,
        last_event_id: impl Into<String>,
    ) -> Self {
        OwnedEvent {
            event_type: event_type.into(),
            data: data.into(),
            last_event_id: last_event_id.into(),
        }
    }

    /// The frame that writes this event: its type (left out when it is
    /// `"message"`), its ID (left out when empty, so the receiver's last
    /// event ID is kept as it was) and its data.
    ///
    /// ```
    /// let event = sse_wire::OwnedEvent::new("message", "a\nb", "");
    /// let mut out = String::new();
    /// event.to_frame().encode_fmt(&mut out).unwrap();
    /// assert_eq!(out, "data: a\ndata: b\n\n");
    /// ```
    pub fn to_frame(&self) -> Frame<'_> {
        Frame::Event {
            event_type: Some(self.event_type.as_str()).filter(|t| *t != "message"),
            id: Some(self.last_event_id.as_str()).filter(|id| !id.is_empty()),
            data: Some(&self.data),
        }
    }
}

impl From<Event<'_>> for OwnedEvent {
    fn from(event: Event<'_>) -> Self {
        event.to_owned_event()
    }
}

impl Event<'_> {
    /// Copies the event into an [`OwnedEvent`] (feature `alloc`).
    ///
    /// ```
    /// use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// let mut input: &[u8] = b"data: x\n\n";
    /// if let Ok(Status::Event(event)) = parser.next(&mut input) {
    ///     assert_eq!(event.to_owned_event().data, "x");
    /// }
    /// ```
    pub fn to_owned_event(&self) -> OwnedEvent {
        OwnedEvent::new(self.event_type(), self.data(), self.last_event_id())
    }
}

/// What [`next_owned`] found.
#[cfg(any(feature = "std", feature = "stream"))]
pub(crate) enum Found {
    /// An event.
    Event(OwnedEvent),
    /// A value did not fit: that event is being skipped.
    Error(ParseError),
    /// The chunk is used up.
    NeedInput,
}

/// Parses `bytes` from `*pos` up to the next event or error, advancing
/// `*pos`, and records any reconnection time seen on the way in `retry`.
/// Comments are passed over.
#[cfg(any(feature = "std", feature = "stream"))]
pub(crate) fn next_owned<D: Buffer, M: Buffer>(
    parser: &mut EventParser<D, M>,
    bytes: &[u8],
    pos: &mut usize,
    retry: &mut Option<u32>,
) -> Found {
    let mut input = bytes.get(*pos..).unwrap_or_default();
    let found = loop {
        match parser.next(&mut input) {
            Ok(Status::NeedInput) => break Found::NeedInput,
            Ok(Status::Event(event)) => break Found::Event(event.to_owned_event()),
            Ok(Status::Retry(ms)) => *retry = Some(ms),
            Ok(Status::Comment(_)) => {}
            Err(error) => break Found::Error(error),
        }
    };
    *pos = bytes.len() - input.len();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_bytes_refuse_past_their_cap_and_keep_their_contents() {
        let mut bytes = CappedBytes::new(3);
        assert_eq!(bytes.try_extend(b"ab"), Ok(()));
        assert_eq!(bytes.try_extend(b"cd"), Err(Full));
        assert_eq!(bytes.try_extend(b"c"), Ok(()));
        assert_eq!(bytes.try_extend(b""), Ok(()));
        assert_eq!(bytes.try_extend(b"d"), Err(Full));
        assert_eq!(bytes.as_bytes(), b"abc");
        bytes.truncate(1);
        assert_eq!(bytes.as_bytes(), b"a");
        bytes.clear();
        assert!(Buffer::is_empty(&bytes));
    }

    #[test]
    #[cfg(any(feature = "std", feature = "stream"))]
    fn next_owned_walks_a_chunk_and_notes_retry() {
        let mut parser = GrowableParser::with_caps(4, 8);
        let bytes = b"retry: 5\n: hi\ndata: a\n\ndata: toolong\n\ndata: b\n\ndata: c";
        let (mut pos, mut retry) = (0, None);
        let mut seen = alloc::vec::Vec::new();
        loop {
            match next_owned(&mut parser, bytes, &mut pos, &mut retry) {
                Found::Event(event) => seen.push(event.data),
                Found::Error(error) => seen.push(alloc::format!("{error:?}")),
                Found::NeedInput => break,
            }
        }
        assert_eq!(seen, ["a", "DataTooLong { capacity: 4 }", "b"]);
        assert_eq!((pos, retry), (bytes.len(), Some(5)));
    }
}
