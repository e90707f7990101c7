//! With the `alloc` feature: the growable parser and owned events and
//! items.
//!
//! The growable parser is the same [`EventParser`] as the fixed-capacity
//! one, over a different [`Buffer`](crate::Buffer): [`CappedBytes`] grows as text arrives,
//! up to a limit the caller sets, and refuses to pass it exactly as a full
//! `heapless::Vec` does. So overflow behaves the same way (a
//! [`ParseError`](crate::ParseError) naming the field, the rest of the event
//! skipped), and the memory a hostile stream can make the parser hold is
//! bounded by the caps.
//!
//! The owned adaptors yield [`OwnedItem`]s, made here from the borrowed
//! items of the step they share (`item.rs`).

use alloc::string::String;

use crate::buffer::CappedBytes;
use crate::encoder::Frame;
use crate::item::Item;
use crate::parser::{Event, EventParser};

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

/// An item of the owned adaptors ([`io::EventReader`](crate::io::EventReader),
/// [`stream::EventStream`](crate::stream::EventStream)): an [`OwnedEvent`],
/// a reconnection time, or a comment's text.
///
/// ```
/// use sse_wire::{Item, OwnedEvent, OwnedItem};
/// let item: OwnedItem = Item::Event(OwnedEvent::new("message", "hi", ""));
/// assert_eq!(item.event().map(|event| event.data), Some("hi".to_owned()));
/// ```
pub type OwnedItem = Item<OwnedEvent, String>;

impl Item<Event<'_>, &str> {
    /// Copies the item into an [`OwnedItem`] (feature `alloc`).
    ///
    /// ```
    /// use sse_wire::{Item, OwnedEvent};
    /// let item: Item<sse_wire::Event<'_>, &str> = Item::Comment("ping");
    /// assert_eq!(item.to_owned_item(), Item::Comment("ping".to_owned()));
    /// ```
    pub fn to_owned_item(&self) -> OwnedItem {
        match *self {
            Item::Event(event) => Item::Event(event.to_owned_event()),
            Item::Retry(ms) => Item::Retry(ms),
            Item::Comment(text) => Item::Comment(text.into()),
        }
    }
}
