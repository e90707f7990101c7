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
use core::fmt;

use crate::buffer::{text, CappedBytes};
use crate::encoder::Frame;
use crate::item::Item;
use crate::parser::{Event, EventParser, DEFAULT_TYPE};

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

/// Text shared by the events that carry it: an event type or an ID that
/// stays the same from one event to the next is one allocation, not one
/// per event. Where the target has no atomic pointer operations (a
/// Cortex-M0, say), `Arc` is not available and each event owns a copy.
#[cfg(target_has_atomic = "ptr")]
type Shared = alloc::sync::Arc<str>;
#[cfg(not(target_has_atomic = "ptr"))]
type Shared = alloc::boxed::Box<str>;

/// An event that owns its text: what the `std`, `stream` and `embedded-io`
/// adaptors yield, and what [`Event::to_owned_event`] makes.
///
/// The data is a `String` of its own. The event type and the last event ID
/// are shared: the default type, `"message"`, and an empty ID take no
/// memory, and the adaptors hand the same allocation to every event whose
/// type or ID is unchanged (on targets with atomic pointers), so a stream
/// of events costs one allocation per event, for its data.
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
/// assert_eq!((owned.event_type(), owned.data(), owned.last_event_id()), ("tick", "1", "7"));
/// // Back to the wire:
/// assert_eq!(owned.to_frame().encode_to_vec().unwrap(), b"event: tick\nid: 7\ndata: 1\n\n");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct OwnedEvent {
    /// `None` for the default type, `"message"`.
    event_type: Option<Shared>,
    data: String,
    /// `None` for no ID, `""`.
    last_event_id: Option<Shared>,
}

impl OwnedEvent {
    /// An event from its type, data and last event ID.
    ///
    /// ```
    /// let event = sse_wire::OwnedEvent::new("message", "hi", "");
    /// assert_eq!(event.data(), "hi");
    /// assert_eq!(event, sse_wire::OwnedEvent::default().with_data("hi"));
    /// ```
    pub fn new(
        event_type: impl AsRef<str>,
        data: impl Into<String>,
        last_event_id: impl AsRef<str>,
    ) -> Self {
        OwnedEvent {
            event_type: shared_type(event_type.as_ref()),
            data: data.into(),
            last_event_id: shared_id(last_event_id.as_ref()),
        }
    }

    /// The same event with other data.
    ///
    /// ```
    /// let event = sse_wire::OwnedEvent::new("tick", "1", "7").with_data("2");
    /// assert_eq!((event.event_type(), event.data(), event.last_event_id()), ("tick", "2", "7"));
    /// ```
    #[must_use]
    pub fn with_data(mut self, data: impl Into<String>) -> Self {
        self.data = data.into();
        self
    }

    /// The event type: the last `event` field's value, or `"message"` when
    /// there was none or it was empty.
    ///
    /// ```
    /// assert_eq!(sse_wire::OwnedEvent::default().event_type(), "message");
    /// ```
    pub fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or(DEFAULT_TYPE)
    }

    /// The data: the `data` fields' values joined with LF.
    ///
    /// ```
    /// assert_eq!(sse_wire::OwnedEvent::new("message", "a\nb", "").data(), "a\nb");
    /// ```
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The data, taken out of the event with no copy.
    ///
    /// ```
    /// let data: String = sse_wire::OwnedEvent::new("message", "{}", "").into_data();
    /// assert_eq!(data, "{}");
    /// ```
    pub fn into_data(self) -> String {
        self.data
    }

    /// The last event ID when the event was dispatched (`""` if none was
    /// set).
    ///
    /// ```
    /// assert_eq!(sse_wire::OwnedEvent::new("message", "", "42").last_event_id(), "42");
    /// ```
    pub fn last_event_id(&self) -> &str {
        self.last_event_id.as_deref().unwrap_or("")
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
            event_type: self.event_type.as_deref(),
            id: self.last_event_id.as_deref(),
            data: Some(&self.data),
        }
    }
}

impl fmt::Debug for OwnedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedEvent")
            .field("event_type", &self.event_type())
            .field("data", &self.data)
            .field("last_event_id", &self.last_event_id())
            .finish()
    }
}

/// The stored form of an event type: `None` for the default.
fn shared_type(event_type: &str) -> Option<Shared> {
    (!event_type.is_empty() && event_type != DEFAULT_TYPE).then(|| event_type.into())
}

/// The stored form of an ID: `None` for none.
fn shared_id(id: &str) -> Option<Shared> {
    (!id.is_empty()).then(|| id.into())
}

/// The stored form of a parser's event type or ID (`None` for the
/// default), reusing `last` when the text is unchanged.
fn reuse(last: &mut Option<Shared>, bytes: &[u8], default: &[u8]) -> Option<Shared> {
    if bytes.is_empty() || bytes == default {
        return None;
    }
    match last {
        Some(shared) if shared.as_bytes() == bytes => Some(shared.clone()),
        _ => {
            let shared: Shared = text(bytes).into();
            *last = Some(shared.clone());
            Some(shared)
        }
    }
}

/// What the owned adaptors keep from one event to the next: the event type
/// and the ID they handed out last, to share with the next event that has
/// the same ones.
#[derive(Clone, Debug, Default)]
pub(crate) struct Owner {
    event_type: Option<Shared>,
    last_event_id: Option<Shared>,
}

impl Owner {
    /// The owned form of an event.
    #[inline]
    pub(crate) fn event(&mut self, event: &Event<'_>) -> OwnedEvent {
        OwnedEvent {
            event_type: reuse(
                &mut self.event_type,
                event.event_type_bytes(),
                DEFAULT_TYPE.as_bytes(),
            ),
            data: event.data().into(),
            last_event_id: reuse(&mut self.last_event_id, event.last_event_id_bytes(), b""),
        }
    }

    /// The owned form of an item.
    #[inline]
    pub(crate) fn item(&mut self, item: Item<Event<'_>, &str>) -> OwnedItem {
        match item {
            Item::Event(event) => Item::Event(self.event(&event)),
            Item::Retry(ms) => Item::Retry(ms),
            Item::Comment(text) => Item::Comment(text.into()),
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
    ///     assert_eq!(event.to_owned_event().data(), "x");
    /// }
    /// ```
    pub fn to_owned_event(&self) -> OwnedEvent {
        Owner::default().event(self)
    }
}

/// An item of the owned adaptors ([`io::EventReader`](crate::io::EventReader),
/// [`stream::EventStream`](crate::stream::EventStream)): an [`OwnedEvent`],
/// a reconnection time, or a comment's text.
///
/// ```
/// use sse_wire::{Item, OwnedEvent, OwnedItem};
/// let item: OwnedItem = Item::Event(OwnedEvent::new("message", "hi", ""));
/// assert_eq!(item.event().map(OwnedEvent::into_data), Some("hi".to_owned()));
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
        Owner::default().item(*self)
    }
}
