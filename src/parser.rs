//! Layer 2: the event parser.
//!
//! This file owns the standard's "interpreting an event stream": the data,
//! event type and last-event-ID buffers, what each field does to them, the
//! dispatch at a blank line, the UTF-8 decoding of values, and what happens
//! when a value does not fit the caller's storage. Lines come from the
//! [`Lexer`]; text is stored in [`Buffer`]s the caller chose.
//!
//! # Advice for hackers
//!
//! - Data lines are joined lazily: the LF between two data lines is appended
//!   when the second line starts, so the buffer never holds the trailing LF
//!   that the standard appends and then removes. A data capacity of `N` thus
//!   admits exactly the events whose data is at most `N` bytes.
//! - The last event ID needs three buffers, used in rotation: the *committed*
//!   ID (the one a reconnecting client sends; set at each blank line), the
//!   *pending* ID (the standard's last-event-ID buffer), and the one an `id`
//!   line in progress is *writing*. An `id` line whose NUL arrives in a later
//!   chunk than its start must leave the pending ID untouched, so it cannot
//!   write over it; committing is an index copy, not a text copy.
//! - A borrowed [`Event`] points into the buffers, so they are emptied at the
//!   start of the next call ([`Cleanup`]), not at the dispatch.
//! - The buffers hold bytes that are always valid UTF-8: an ASCII value is
//!   appended as it is (one word-at-a-time check), any other goes through
//!   the lossy decoder. The text is checked as a `str` once, when it is
//!   handed out, rather than once per line.
//! - One path: every token the lexer gives goes through one handler,
//!   [`EventParser::piece`]. A line's first piece opens it (what its field
//!   does then is [`EventParser::begin_line`] and [`Line::open_meta`]),
//!   every piece adds to its value ([`EventParser::value`],
//!   [`Line::meta_value`]), the last one finishes it. A line that lies
//!   whole in the input is one piece that does all three. `next` is a loop
//!   over that handler with one exit, where borrowed data is kept and the
//!   status is made.
//! - The one shortcut is zero copy: the first data line of an event, whole
//!   in the input and valid UTF-8, is borrowed rather than copied, and
//!   copied into the buffer ([`EventParser::keep`]) only when something
//!   else needs the buffer first or the call returns without the event.
//! - The lexer says whether each piece is ASCII (found by its line end
//!   search), so an ASCII value is appended with no UTF-8 pass of its own.
//!
//! If you add a field: give it its [`Field`] in the lexer (see the
//! checklist there), say in [`EventParser::begin_line`] (or, for a field
//! the piece parser shares, [`Line::open_meta`]) what its first piece
//! does and which [`Line`] it opens, and in [`EventParser::value`] (or
//! [`Line::meta_value`]) what its pieces do; report it, if it reports
//! anything, at the end of [`EventParser::piece`]. Add spec cases for it in
//! `tests/shared/spec_cases.rs` and teach the model in `tests/reference`.

use core::fmt;

use crate::buffer::{text, Buffer};
use crate::lexer::{Field, Lexer, Token};
use crate::utf8::Utf8;

/// The type of an event whose block set none (or an empty one).
pub(crate) const DEFAULT_TYPE: &str = "message";

/// The event parser over fixed-capacity `heapless` storage: the type most
/// callers want.
///
/// `DATA` is the longest event data it accepts, in bytes of UTF-8 (after
/// invalid bytes became U+FFFD). `META` is the longest event type and the
/// longest event ID. Its size is `DATA + 4 * META` bytes plus a small fixed
/// part (see the README's "Guarantees"); it never allocates.
///
/// ```
/// use sse_wire::{Parser, Status};
///
/// let mut parser = Parser::<256>::new();
/// let mut input: &[u8] = b"data: hello\n\n";
/// match parser.next(&mut input) {
///     Ok(Status::Event(event)) => assert_eq!(event.data(), "hello"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub type Parser<const DATA: usize, const META: usize = 64> =
    EventParser<heapless::Vec<u8, DATA>, heapless::Vec<u8, META>>;

/// The event parser: bytes in, [`Status`] out, over caller-chosen storage.
///
/// `D` stores the data of the event in progress; `M` stores the event type
/// and the last event ID (four of them: the type, and three for the ID, see
/// [`Parser`]'s size). Most callers use the [`Parser`] alias.
///
/// # Example
///
/// ```
/// use sse_wire::{Parser, Status};
///
/// let mut parser = Parser::<1024>::new();
/// let mut events = Vec::new();
/// // Chunks may be cut anywhere, even inside a CRLF or a UTF-8 sequence.
/// for chunk in [&b"retry: 3000\r\nevent: gre"[..], b"et\r", b"\ndata: h\xC3", b"\xA9llo\r\n\r\n"] {
///     let mut input = chunk;
///     loop {
///         match parser.next(&mut input) {
///             Ok(Status::NeedInput) => break,
///             Ok(Status::Event(event)) => {
///                 events.push((event.event_type().to_owned(), event.data().to_owned()))
///             }
///             Ok(Status::Retry(ms)) => assert_eq!(ms, 3000),
///             Ok(Status::Comment(_)) => {}
///             Ok(_) => {} // `Status` may grow
///             Err(error) => eprintln!("skipped an event: {error}"),
///         }
///     }
/// }
/// assert_eq!(events, [("greet".to_owned(), "héllo".to_owned())]);
/// ```
#[derive(Clone, Debug)]
pub struct EventParser<D, M> {
    /// Layer 1: where we are in the line grammar.
    lexer: Lexer,
    /// Bytes of a UTF-8 sequence cut by a chunk boundary, in the open line.
    utf8: Utf8,
    /// The standard's data buffer, without its trailing LF (see above).
    data: D,
    /// The standard's event type and last-event-ID buffers.
    meta: Meta<M>,
    /// What the open line is, once its first piece arrived.
    line: Line,
    /// At least one `data` line arrived in this block, so a blank line
    /// dispatches (an empty `data:` line still dispatches empty data).
    has_data: bool,
    /// A value overflowed in this block: ignore lines up to the blank line.
    skipping: bool,
    /// Report comments as [`Status::Comment`].
    comments: bool,
    /// What to undo at the start of the next call.
    cleanup: Cleanup,
    /// Length of the data before the comment being read or reported: the
    /// comment's text is kept after it.
    mark: usize,
}

/// The line being read, decided by its field when its first piece arrives.
/// The [`PieceParser`](crate::PieceParser) shares it, and the rules of the
/// `event`, `id` and `retry` lines ([`Line::open_meta`],
/// [`Line::meta_value`]); each parser handles `data` and comments its own
/// way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// No line is open: the next value piece starts one.
    Idle,
    /// A `data` line: decoded into the data buffer.
    Data,
    /// An `event` line: decoded into the event type buffer.
    Event,
    /// An `id` line, decoded into `ids[writing]`; `nul`: it held a NUL, so the
    /// standard ignores it.
    Id { nul: bool },
    /// A `retry` line of ASCII digits so far, read exactly as a `u64`;
    /// `digits` is false while the value is still empty. A value that
    /// outgrows `u64` makes the line [`Line::Ignore`].
    Retry { value: u64, digits: bool },
    /// A comment reported to the caller, decoded into the data buffer after
    /// its first `mark` bytes; `cut` once the text stopped fitting.
    Comment { cut: bool },
    /// A line with no effect: unknown field, invalid `retry`, or an unreported
    /// comment.
    Ignore,
}

impl Line {
    /// Opens a line of a field whose value goes to the standard's
    /// metadata: `event`, `id` or `retry`. Any other field's line has no
    /// effect here.
    #[inline(always)]
    pub(crate) fn open_meta<M: Buffer>(field: Field, meta: &mut Meta<M>) -> Line {
        match field {
            Field::Event => {
                meta.open_event();
                Line::Event
            }
            Field::Id => {
                meta.open_id();
                Line::Id { nul: false }
            }
            Field::Retry => Line::Retry {
                value: 0,
                digits: false,
            },
            Field::Data | Field::Comment | Field::Unknown => Line::Ignore,
        }
    }

    /// Handles a piece of the value of an `event`, `id` or `retry` line (a
    /// line of any other kind is left alone).
    #[inline(always)]
    pub(crate) fn meta_value<M: Buffer>(
        &mut self,
        meta: &mut Meta<M>,
        utf8: &mut Utf8,
        piece: &[u8],
        ascii: bool,
        end: bool,
    ) -> Result<(), ParseError> {
        match self {
            Line::Event => meta.event_value(utf8, piece, ascii, end),
            Line::Id { nul } => {
                // IDs are short: a plain loop beats `memchr`'s set-up.
                *nul = *nul || piece.contains(&0);
                meta.id_value(utf8, piece, ascii, end, *nul)
            }
            Line::Retry { value, digits } => {
                *digits |= !piece.is_empty();
                if !retry_digits(value, piece) {
                    *self = Line::Ignore;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// What the previous call handed out and the next one must take back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cleanup {
    /// Nothing.
    None,
    /// An event borrowed the data and event type buffers: empty them.
    Event,
    /// A comment borrowed the data buffer after its first `mark` bytes: cut
    /// the data back.
    Comment,
}

/// Why [`EventParser::next`]'s loop stopped: what its one exit reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// The input is used up.
    NeedInput,
    /// A blank line dispatched an event; its text is in the buffers (or
    /// borrowed).
    Event,
    /// A valid `retry` line ended.
    Retry(u64),
    /// A reported comment ended; its text follows the data (see
    /// [`EventParser::reported_comment`]).
    Comment,
    /// A value overflowed.
    Failed(ParseError),
}

/// What [`EventParser::next`] found. Each variant says what to do next.
///
/// It is `#[non_exhaustive]`: a later version may report more (the lexer's
/// [`Token`] and [`Field`], which follow the standard's closed grammar, are
/// exhaustive). Treat a variant you do not know as one to skip.
#[must_use]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<'p> {
    /// The input is used up: call again with the next chunk. Nothing is lost;
    /// a line or event cut by the chunk boundary continues there.
    NeedInput,
    /// An event was dispatched. Use it, then call again with the same input
    /// (it has been advanced past the event).
    Event(Event<'p>),
    /// A valid `retry` field: the new reconnection time in milliseconds.
    /// Call again with the same input.
    ///
    /// Every value up to `u64::MAX` is reported exactly. A value above
    /// `u64::MAX` is ignored, as Chromium ignores it (the standard sets no
    /// bound; it never saturates or wraps). Invalid values (empty, a sign, a
    /// space, any non-digit) are ignored as the standard says, and produce
    /// nothing.
    ///
    /// ```
    /// use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<16>::new();
    /// let mut input: &[u8] = b"retry: 18446744073709551615\nretry: 18446744073709551616\n";
    /// assert_eq!(parser.next(&mut input), Ok(Status::Retry(u64::MAX)));
    /// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput)); // too big: ignored
    /// ```
    Retry(u64),
    /// A comment line, reported only when [`EventParser::with_comments`]
    /// turned this on. The text is what follows the `:`, less one leading
    /// space. Call again with the same input.
    ///
    /// The text is kept in the free part of the data buffer: if it does not
    /// fit there it is cut (at a character boundary) to what fits. Comments
    /// never cause an error.
    Comment(&'p str),
}

/// A dispatched event. It borrows from the parser and from the input of the
/// call that returned it.
///
/// # Zero copy
///
/// When the event's data is one `data` line that arrived whole, valid UTF-8,
/// inside the input of the call that dispatches the event, [`data`](Self::data)
/// is a slice of that input: the bytes were checked, not copied. Otherwise
/// the data was assembled in the parser's data buffer. Either way the text
/// is the same, and the data buffer's capacity applies: an event whose data
/// is longer is an error whichever way it arrives, so results never depend
/// on chunking.
///
/// # Text and bytes
///
/// The parser decodes as the standard says (invalid UTF-8 becomes U+FFFD),
/// so an event's fields are always valid UTF-8; for ASCII text, the pass
/// that finds the line ends is the one that proves it. An `&str`, though,
/// can only be made without `unsafe` by checking the bytes again, which the
/// `str` accessors do when called, at a cost linear in the length. Callers
/// that pass the data on as bytes (to `serde_json::from_slice`, a socket,
/// a hash) can take [`data_bytes`](Self::data_bytes) and skip that check.
///
/// ```
/// use sse_wire::{Parser, Status};
/// let mut parser = Parser::<64>::new();
/// let mut input: &[u8] = b"data: {\"n\":1}\n\n";
/// let range = input.as_ptr_range();
/// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
/// assert_eq!(event.data(), "{\"n\":1}");
/// assert!(range.contains(&event.data().as_ptr())); // no copy
/// ```
///
/// ```
/// use sse_wire::{Parser, Status};
/// let mut parser = Parser::<64>::new();
/// let mut input: &[u8] = b"id: 7\ndata: a\ndata: b\n\n";
/// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
/// assert_eq!(event.event_type(), "message");
/// assert_eq!(event.data(), "a\nb");
/// assert_eq!(event.last_event_id(), "7");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Event<'p> {
    // All three are valid UTF-8: the parser only ever stores or borrows
    // decoded text.
    /// `None` for the default type, `message`, which needs no check.
    event_type: Option<&'p [u8]>,
    data: &'p [u8],
    last_event_id: &'p [u8],
}

impl<'p> Event<'p> {
    /// The event type: the last `event` field's value, or `"message"` when
    /// there was none or it was empty.
    ///
    /// ```
    /// # use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// let mut input: &[u8] = b"event: tick\ndata\n\n";
    /// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!(event.event_type(), "tick");
    /// ```
    pub fn event_type(&self) -> &'p str {
        match self.event_type {
            None => DEFAULT_TYPE,
            Some(event_type) => text(event_type),
        }
    }

    /// The data: the `data` fields' values joined with LF.
    ///
    /// Each call checks the bytes as UTF-8 to make the `str` (see
    /// [Text and bytes](Self#text-and-bytes)); keep the result rather than
    /// calling again.
    ///
    /// ```
    /// # use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// let mut input: &[u8] = b"data:\n\n";
    /// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!(event.data(), "");
    /// ```
    pub fn data(&self) -> &'p str {
        text(self.data)
    }

    /// The data as bytes: the same text as [`data`](Self::data), valid
    /// UTF-8, without the check that makes it a `str`.
    ///
    /// ```
    /// # use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// // An invalid byte was decoded to U+FFFD, as a browser does.
    /// let mut input: &[u8] = b"data: {\"t\":\"\xFF\"}\n\n";
    /// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!(event.data_bytes(), "{\"t\":\"\u{FFFD}\"}".as_bytes());
    /// assert_eq!(event.data_bytes(), event.data().as_bytes());
    /// ```
    pub fn data_bytes(&self) -> &'p [u8] {
        self.data
    }

    /// The last event ID as of this event: set by the last valid `id` field
    /// of this or an earlier event, `""` if none was.
    ///
    /// ```
    /// # use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// let mut input: &[u8] = b"id: 1\ndata: a\n\ndata: b\n\n";
    /// let Ok(Status::Event(_)) = parser.next(&mut input) else { panic!() };
    /// let Ok(Status::Event(second)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!(second.last_event_id(), "1");
    /// ```
    pub fn last_event_id(&self) -> &'p str {
        text(self.last_event_id)
    }

    /// The event type's bytes, `""` for the default type.
    #[cfg(feature = "alloc")]
    pub(crate) fn event_type_bytes(&self) -> &'p [u8] {
        self.event_type.unwrap_or_default()
    }

    /// The last event ID's bytes.
    #[cfg(feature = "alloc")]
    pub(crate) fn last_event_id_bytes(&self) -> &'p [u8] {
        self.last_event_id
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("event_type", &self.event_type())
            .field("data", &self.data())
            .field("last_event_id", &self.last_event_id())
            .finish()
    }
}

/// A value did not fit the parser's storage. The event it belonged to is
/// skipped; parsing goes on with the next event.
///
/// Lines of the same event before the one that overflowed keep their effect
/// (an earlier `id` still becomes the last event ID at the blank line; an
/// earlier `retry` was already reported); the overflowing line and the rest
/// of the event have none.
///
/// ```
/// use sse_wire::{ParseError, Parser, Status};
/// let mut parser = Parser::<4>::new();
/// let mut input: &[u8] = b"data: too long\n\ndata: ok\n\n";
/// assert_eq!(parser.next(&mut input), Err(ParseError::DataTooLong { capacity: 4 }));
/// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
/// assert_eq!(event.data(), "ok");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The event's data (its `data` lines joined with LF) is longer than
    /// `capacity` bytes.
    DataTooLong {
        /// The data buffer's capacity in bytes.
        capacity: usize,
    },
    /// An `event` field's value is longer than `capacity` bytes.
    EventTypeTooLong {
        /// The event type buffer's capacity in bytes.
        capacity: usize,
    },
    /// An `id` field's value is longer than `capacity` bytes. It is checked
    /// as it arrives, before the NUL rule applies. The last event ID keeps
    /// its previous value.
    IdTooLong {
        /// The ID buffer's capacity in bytes.
        capacity: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, capacity) = match *self {
            ParseError::DataTooLong { capacity } => ("event data", capacity),
            ParseError::EventTypeTooLong { capacity } => ("event type", capacity),
            ParseError::IdTooLong { capacity } => ("event id", capacity),
        };
        write!(
            f,
            "{what} longer than the parser's capacity of {capacity} bytes; the event was skipped"
        )
    }
}

impl core::error::Error for ParseError {}

/// How a stream ended: [`EventParser::finish`]'s verdict.
///
/// The standard drops an event that no blank line finished, so a stream cut
/// off mid-event looks, event by event, like one that ended cleanly. This
/// tells them apart.
///
/// ```
/// use sse_wire::{End, Parser, Status, Unfinished};
/// let mut parser = Parser::<64>::new();
/// let mut input: &[u8] = b"event: answer\ndata: {\"text\":\"Hel\"}\n";
/// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
/// let end = parser.finish();
/// assert_eq!(end, End::UnfinishedEvent(Unfinished { data: true, event_type: true, id: false }));
/// assert!(!end.is_complete());
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum End {
    /// The stream stopped between events: after a blank line, at its very
    /// start, or after lines that left nothing for a blank line to act on
    /// (comments, `retry`, unknown or invalid fields, which have all taken
    /// effect already). Nothing was lost.
    Complete,
    /// The stream stopped after whole lines of an event that no blank line
    /// finished. Its data, type and pending ID are dropped, as the standard
    /// says; what it held is described.
    UnfinishedEvent(Unfinished),
    /// The stream stopped inside a line, which is dropped with the event it
    /// belonged to; what that event held, the cut line included, is
    /// described.
    UnfinishedLine(Unfinished),
}

impl End {
    /// The verdict on the state a stream stopped in: the lexer's place, the
    /// event type and IDs, the open line, whether a `data` line had arrived
    /// in the open block, and whether the block is being skipped after an
    /// overflow. Both parsers decide it here.
    pub(crate) fn verdict<M: Buffer>(
        lexer: &Lexer,
        meta: &Meta<M>,
        line: Line,
        data: bool,
        skipping: bool,
    ) -> End {
        let held = Unfinished {
            data,
            event_type: !meta.event_type.is_empty(),
            // An `id` line cut off counts unless it holds a NUL, which
            // would have made its line end ignore it.
            id: meta.has_pending_id() || line == Line::Id { nul: false },
        };
        if lexer.in_line() {
            End::UnfinishedLine(held)
        } else if skipping || held.data || held.event_type || held.id {
            End::UnfinishedEvent(held)
        } else {
            End::Complete
        }
    }

    /// Whether nothing was lost: [`End::Complete`].
    ///
    /// ```
    /// assert!(sse_wire::End::Complete.is_complete());
    /// ```
    pub const fn is_complete(&self) -> bool {
        matches!(self, End::Complete)
    }
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = match self {
            End::Complete => return f.write_str("the stream ended between events"),
            End::UnfinishedEvent(held) => {
                f.write_str("the stream ended inside an unfinished event")?;
                held
            }
            End::UnfinishedLine(held) => {
                f.write_str("the stream ended inside an unfinished line")?;
                held
            }
        };
        let parts = [
            (held.data, "data"),
            (held.event_type, "an event type"),
            (held.id, "an ID"),
        ];
        let mut first = true;
        for (_, what) in parts.iter().filter(|(had, _)| *had) {
            f.write_str(if first { " that had " } else { ", " })?;
            f.write_str(what)?;
            first = false;
        }
        Ok(())
    }
}

/// What an event cut off by the end of the stream held (see [`End`]).
///
/// ```
/// use sse_wire::{End, Parser, Status};
/// let mut parser = Parser::<64>::new();
/// let mut input: &[u8] = b"id: 7\n";
/// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
/// let End::UnfinishedEvent(held) = parser.finish() else { panic!() };
/// // The ID never became the last event ID: no blank line committed it.
/// assert!(held.id && !held.data);
/// assert_eq!(parser.last_event_id(), "");
/// ```
///
/// The three facts are the whole of what a blank line would have acted on,
/// so the struct is exhaustive: it can be built and matched field by field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Unfinished {
    /// A `data` line had arrived (an empty one counts): a blank line would
    /// have dispatched an event.
    pub data: bool,
    /// An `event` line had set a non-empty event type.
    pub event_type: bool,
    /// An `id` line had arrived that a blank line would have made the last
    /// event ID.
    pub id: bool,
}

impl<const DATA: usize, const META: usize> Parser<DATA, META> {
    /// A parser at the start of a stream, with empty buffers and no last
    /// event ID. It is `const`, so a parser can be a `static`.
    ///
    /// ```
    /// use sse_wire::Parser;
    /// let parser = Parser::<512, 32>::new();
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    pub const fn new() -> Self {
        EventParser::from_parts(
            heapless::Vec::new(),
            heapless::Vec::new(),
            [
                heapless::Vec::new(),
                heapless::Vec::new(),
                heapless::Vec::new(),
            ],
        )
    }
}

impl<const DATA: usize, const META: usize> Default for Parser<DATA, META> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D: Buffer, M: Buffer + Clone> EventParser<D, M> {
    /// A parser over the given stores: `data` for the event data, and copies
    /// of `meta` for the event type and the IDs. The stores are emptied
    /// first.
    ///
    /// ```
    /// use sse_wire::{EventParser, Status};
    /// let mut parser = EventParser::with_buffers(
    ///     heapless::Vec::<u8, 100>::new(),
    ///     heapless::Vec::<u8, 8>::new(),
    /// );
    /// let mut input: &[u8] = b"data: x\n\n";
    /// assert!(matches!(parser.next(&mut input), Ok(Status::Event(_))));
    /// ```
    pub fn with_buffers(mut data: D, mut meta: M) -> Self {
        data.clear();
        meta.clear();
        EventParser::from_parts(data, meta.clone(), [meta.clone(), meta.clone(), meta])
    }
}

impl<D, M> EventParser<D, M> {
    /// A parser at the start of a stream over these (empty) buffers.
    const fn from_parts(data: D, event_type: M, ids: [M; 3]) -> Self {
        EventParser {
            lexer: Lexer::new(),
            utf8: Utf8::new(),
            data,
            meta: Meta::new(event_type, ids),
            line: Line::Idle,
            has_data: false,
            skipping: false,
            comments: false,
            cleanup: Cleanup::None,
            mark: 0,
        }
    }
}

impl<D: Buffer, M: Buffer> EventParser<D, M> {
    /// Turns the reporting of comments as [`Status::Comment`] on or off (off
    /// by default). A parser that does not report them does not decode or
    /// store them either.
    ///
    /// ```
    /// use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new().with_comments(true);
    /// let mut input: &[u8] = b": keep-alive\n";
    /// assert_eq!(parser.next(&mut input), Ok(Status::Comment("keep-alive")));
    /// ```
    #[must_use]
    pub fn with_comments(mut self, report: bool) -> Self {
        self.comments = report;
        self
    }

    /// The last event ID: the value a client sends as `Last-Event-ID` when
    /// it reconnects.
    ///
    /// It changes at each blank line (dispatch step 1), also when no event is
    /// dispatched, so an `id`-only block updates it. An `id` line in a block
    /// that has not ended yet does not count.
    ///
    /// ```
    /// use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// let mut input: &[u8] = b"id: 42\n\nid: 43\n";
    /// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
    /// assert_eq!(parser.last_event_id(), "42");
    /// ```
    pub fn last_event_id(&self) -> &str {
        text(self.meta.last_event_id())
    }

    /// Prepares for a new stream from the same source, as a browser's
    /// `EventSource` does when it reconnects: the event in progress is
    /// dropped and a leading BOM is expected again, but the last event ID is
    /// kept.
    ///
    /// ```
    /// use sse_wire::{Parser, Status};
    /// let mut parser = Parser::<64>::new();
    /// let mut input: &[u8] = b"id: 9\n\ndata: cut off";
    /// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
    /// parser.reset();
    /// let mut input: &[u8] = b"data: fresh\n\n";
    /// let Ok(Status::Event(event)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!((event.data(), event.last_event_id()), ("fresh", "9"));
    /// ```
    pub fn reset(&mut self) {
        self.lexer.reset();
        self.utf8.reset();
        self.data.clear();
        self.meta.reset();
        self.line = Line::Idle;
        self.has_data = false;
        self.skipping = false;
        self.cleanup = Cleanup::None;
    }

    /// Ends the stream: says whether it stopped cleanly between events or
    /// cut an event off, and prepares for the next stream as
    /// [`reset`](Self::reset) does (the last event ID is kept).
    ///
    /// The standard discards an unfinished event, so nothing is dispatched
    /// here. What a caller learns is whether something was lost: an LLM
    /// client can tell a finished answer from one cut off mid-event. See
    /// [`End`] for what counts as clean.
    ///
    /// ```
    /// use sse_wire::{End, Parser, Status, Unfinished};
    /// let mut parser = Parser::<64>::new();
    ///
    /// let mut input: &[u8] = b"data: done\n\n";
    /// assert!(matches!(parser.next(&mut input), Ok(Status::Event(_))));
    /// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
    /// assert_eq!(parser.finish(), End::Complete);
    ///
    /// let mut input: &[u8] = b"id: 2\ndata: half an ans";
    /// assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
    /// let End::UnfinishedLine(held) = parser.finish() else { panic!() };
    /// assert!(held.data && held.id && !held.event_type);
    /// ```
    pub fn finish(&mut self) -> End {
        self.take_back();
        let end = End::verdict(
            &self.lexer,
            &self.meta,
            self.line,
            self.has_data,
            self.skipping,
        );
        self.reset();
        end
    }

    /// Parses from `input` up to the next thing to report, advancing `input`
    /// past the bytes used.
    ///
    /// The returned [`Status`] borrows the parser, so use it before calling
    /// again. It may also borrow the bytes `input` points to (not the cursor
    /// itself): an event whose data lies whole in `input` hands it out
    /// without copying (see [`Event`]). The cursor is free to read or move
    /// while the status is held.
    ///
    /// # Termination
    ///
    /// Returns `Ok(Status::NeedInput)` once `*input` is used up; call again
    /// with the next chunk. Chunks may be cut at any byte: the results do not
    /// depend on where. At the end of the stream there is nothing to flush:
    /// the standard discards an event that no blank line finished.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when a value does not fit its buffer. It is returned
    /// once, when the overflow happens, with `*input` advanced past the
    /// bytes read; the rest of that event is skipped, and the parser stays
    /// usable: call again with the same input. Malformed input is never an
    /// error: the standard says what every byte sequence means.
    pub fn next<'p, 'i: 'p>(&'p mut self, input: &mut &'i [u8]) -> Result<Status<'p>, ParseError> {
        self.take_back();
        // The open event's data while it is one line whole in `input`:
        // handed out without a copy if the event ends in this call, kept in
        // the data buffer otherwise (see [`EventParser::keep`]).
        let mut borrowed: Option<&'i [u8]> = None;
        // Every token goes through one handler; a whole line is a first
        // piece that also ends. The loop stops at the first thing to
        // report.
        let stop = loop {
            match self.lexer.next(input) {
                Token::NeedInput => break Stop::NeedInput,
                Token::BlankLine => {
                    if self.dispatch() {
                        break Stop::Event;
                    }
                }
                Token::Value {
                    field,
                    piece,
                    end,
                    ascii,
                } => {
                    if let Some(stop) = self.piece(field, piece, end, ascii, &mut borrowed) {
                        break stop;
                    }
                }
            }
        };
        // The one exit. Borrowed data outlives this call only inside the
        // event it belongs to; anything else keeps it in the buffer first.
        if !matches!(stop, Stop::Event) {
            self.keep(&mut borrowed)?;
        }
        match stop {
            Stop::NeedInput => Ok(Status::NeedInput),
            Stop::Event => Ok(Status::Event(self.dispatched(borrowed))),
            Stop::Retry(ms) => Ok(Status::Retry(ms)),
            Stop::Comment => {
                self.cleanup = Cleanup::Comment;
                Ok(Status::Comment(self.reported_comment()))
            }
            Stop::Failed(error) => Err(error),
        }
    }

    /// The one handler of a piece of a line: what the line's field does
    /// with it. The first piece opens the line, the last one (`end`)
    /// finishes it; a line that lies whole in the input is one piece that
    /// does both. Returns what the finished line has to report, if
    /// anything.
    #[inline(always)]
    fn piece<'i>(
        &mut self,
        field: Field,
        piece: &'i [u8],
        end: bool,
        ascii: bool,
        borrowed: &mut Option<&'i [u8]>,
    ) -> Option<Stop> {
        if self.line == Line::Idle {
            // Lines without effect open no line, so this is their every
            // piece: unknown fields, comments nobody asked for, and every
            // line of an event skipped after an overflow.
            if self.skipping
                || field == Field::Unknown
                || (field == Field::Comment && !self.comments)
            {
                return None;
            }
            if field == Field::Data && end && !self.has_data && self.borrowable(piece, ascii) {
                // An event's first data line, whole in the input and valid
                // UTF-8: borrowed, not copied.
                *borrowed = Some(piece);
                self.has_data = true;
                return None;
            }
            // These lines write to the data buffer, after what was borrowed.
            if matches!(field, Field::Data | Field::Comment) {
                if let Err(error) = self.keep(borrowed) {
                    return Some(self.fail(error));
                }
            }
            match self.begin_line(field) {
                Ok(line) => self.line = line,
                Err(error) => return Some(self.fail(error)),
            }
        }
        if let Err(error) = self.value(piece, end, ascii) {
            return Some(self.fail(error));
        }
        if !end {
            // Only the end of the input cuts a line: nothing is left to read.
            return Some(Stop::NeedInput);
        }
        match core::mem::replace(&mut self.line, Line::Idle) {
            Line::Retry {
                value,
                digits: true,
            } => Some(Stop::Retry(value)),
            Line::Comment { .. } => Some(Stop::Comment),
            _ => None,
        }
    }

    /// Takes back what the previous call handed out (see [`Cleanup`]).
    #[inline(always)]
    fn take_back(&mut self) {
        match core::mem::replace(&mut self.cleanup, Cleanup::None) {
            Cleanup::None => {}
            Cleanup::Event => {
                self.data.clear();
                self.meta.event_type.clear();
            }
            Cleanup::Comment => self.data.truncate(self.mark),
        }
    }

    /// The event just dispatched: the buffers' text, and the borrowed data
    /// if there is some. All of it is UTF-8 already; [`Event`]'s accessors
    /// make `str`s of it when asked.
    ///
    /// The adaptors call it again after `next` returned, to hand out an
    /// event they found (see `item.rs`): the buffers keep their text until
    /// the next call.
    #[inline(always)]
    pub(crate) fn dispatched<'p>(&'p self, borrowed: Option<&'p [u8]>) -> Event<'p> {
        Event {
            event_type: self.meta.event_type(),
            data: match borrowed {
                Some(data) => data,
                None => self.data.as_bytes(),
            },
            last_event_id: self.meta.last_event_id(),
        }
    }

    /// The comment kept after the data: the one just reported, until the
    /// next call.
    #[inline]
    pub(crate) fn reported_comment(&self) -> &str {
        text(self.data.bytes_from(self.mark))
    }

    /// Whether the value of an event's first data line can be handed out
    /// without a copy: it fits the data buffer, and it is valid UTF-8
    /// (known when `ascii`, checked otherwise).
    #[inline]
    fn borrowable(&self, value: &[u8], ascii: bool) -> bool {
        value.len() <= self.data.capacity() && (ascii || core::str::from_utf8(value).is_ok())
    }

    /// Stops at an overflow, first putting the parser in the state the
    /// standard's skipping needs: no line open, the rest of the event
    /// ignored.
    #[cold]
    fn fail(&mut self, error: ParseError) -> Stop {
        // What fitted of an overflowing type depends on the chunking; the
        // event is dropped anyway, so drop it all.
        if matches!(error, ParseError::EventTypeTooLong { .. }) {
            self.meta.event_type.clear();
        }
        self.skipping = true;
        self.line = Line::Idle;
        self.utf8.reset();
        Stop::Failed(error)
    }

    /// Copies data borrowed from the input into the data buffer, where the
    /// next call or the next data line needs it.
    #[inline]
    fn keep(&mut self, borrowed: &mut Option<&[u8]>) -> Result<(), ParseError> {
        match borrowed.take() {
            // The length was checked against the capacity when it was
            // borrowed, so this fails only for a `Buffer` whose capacity
            // shrank.
            Some(text) => self.data.try_extend(text).map_err(|_| self.data_full()),
            None => Ok(()),
        }
    }

    /// Handles a piece of the open line's value.
    #[inline(always)]
    fn value(&mut self, piece: &[u8], end: bool, ascii: bool) -> Result<(), ParseError> {
        match &mut self.line {
            Line::Data => {
                let full = self.data_full();
                decode_into(&mut self.utf8, &mut self.data, piece, ascii, end).map_err(|_| full)
            }
            Line::Comment { cut, .. } => {
                let data = &mut self.data;
                let mut sink = |text: &[u8]| {
                    if !*cut {
                        *cut = push_fitting(data, text);
                    }
                    Ok::<(), ()>(())
                };
                // The sink never fails: a comment that does not fit is cut.
                let _ = self.utf8.decode_piece(piece, end, &mut sink);
                Ok(())
            }
            _ => self
                .line
                .meta_value(&mut self.meta, &mut self.utf8, piece, ascii, end),
        }
    }

    /// The line a field's first piece opens, after doing what the field
    /// asks for then.
    #[inline(always)]
    fn begin_line(&mut self, field: Field) -> Result<Line, ParseError> {
        Ok(match field {
            Field::Data => {
                self.open_data()?;
                Line::Data
            }
            Field::Comment if self.comments => {
                self.mark = self.data.len();
                Line::Comment { cut: false }
            }
            _ => Line::open_meta(field, &mut self.meta),
        })
    }

    /// Opens a data line: an LF joins it to the lines before it.
    #[inline]
    fn open_data(&mut self) -> Result<(), ParseError> {
        if self.has_data {
            self.data.try_extend(b"\n").map_err(|_| self.data_full())?;
        }
        self.has_data = true;
        Ok(())
    }

    /// The error of data that does not fit.
    #[inline]
    fn data_full(&self) -> ParseError {
        ParseError::DataTooLong {
            capacity: self.data.capacity(),
        }
    }

    /// The blank line: dispatch steps 1 to 5. Returns whether an event is
    /// to be reported (its text is still in the buffers).
    #[inline]
    fn dispatch(&mut self) -> bool {
        self.meta.commit();
        if self.skipping || !self.has_data {
            self.skipping = false;
            self.has_data = false;
            self.data.clear();
            self.meta.event_type.clear();
            return false;
        }
        self.has_data = false;
        self.cleanup = Cleanup::Event;
        true
    }
}

/// The standard's event type and last-event-ID buffers, and the rules of
/// the `event` and `id` fields: the part of the parser's state that the
/// event parser and the [`PieceParser`](crate::PieceParser) share.
#[derive(Clone, Debug)]
pub(crate) struct Meta<M> {
    /// The standard's event type buffer.
    pub(crate) event_type: M,
    /// The committed, pending and writing IDs, in rotation (see the top of
    /// this file).
    ids: [M; 3],
    /// Index in `ids` of the source's last event ID.
    committed: u8,
    /// Index in `ids` of the standard's last-event-ID buffer.
    pending: u8,
    /// Index in `ids` that the open `id` line writes to.
    writing: u8,
}

impl<M> Meta<M> {
    /// Empty buffers: no event type, no last event ID.
    pub(crate) const fn new(event_type: M, ids: [M; 3]) -> Self {
        Meta {
            event_type,
            ids,
            committed: 0,
            pending: 0,
            writing: 0,
        }
    }
}

impl<M: Buffer> Meta<M> {
    /// The last event ID, as committed at the last blank line.
    #[inline]
    pub(crate) fn last_event_id(&self) -> &[u8] {
        self.ids[usize::from(self.committed)].as_bytes()
    }

    /// The event type of an event dispatched now: `None` for the default,
    /// [`DEFAULT_TYPE`].
    #[inline]
    pub(crate) fn event_type(&self) -> Option<&[u8]> {
        Some(self.event_type.as_bytes()).filter(|event_type| !event_type.is_empty())
    }

    /// Whether an `id` line of the open block set an ID that no blank line
    /// has committed yet.
    #[inline]
    pub(crate) fn has_pending_id(&self) -> bool {
        self.pending != self.committed
    }

    /// Dispatch step 1: the pending ID becomes the last event ID.
    #[inline]
    pub(crate) fn commit(&mut self) {
        self.committed = self.pending;
    }

    /// A new stream: the event type and a pending ID are dropped, the last
    /// event ID is kept.
    pub(crate) fn reset(&mut self) {
        self.event_type.clear();
        self.pending = self.committed;
    }

    /// Opens an `event` line: its value replaces the event type.
    #[inline]
    pub(crate) fn open_event(&mut self) {
        self.event_type.clear();
    }

    /// A piece of an `event` line's value.
    #[inline(always)]
    pub(crate) fn event_value(
        &mut self,
        utf8: &mut Utf8,
        piece: &[u8],
        ascii: bool,
        end: bool,
    ) -> Result<(), ParseError> {
        let capacity = self.event_type.capacity();
        decode_into(utf8, &mut self.event_type, piece, ascii, end)
            .map_err(|_| ParseError::EventTypeTooLong { capacity })
    }

    /// Opens an `id` line: it writes to a slot of `ids` that is neither
    /// committed nor pending, emptied first.
    #[inline]
    pub(crate) fn open_id(&mut self) {
        self.writing = (0..3)
            .find(|&i| i != self.committed && i != self.pending)
            .unwrap_or(0);
        self.ids[usize::from(self.writing)].clear();
    }

    /// A piece of an `id` line's value; `nul` says whether the line held a
    /// NUL so far. At the line's end the value becomes the pending ID
    /// unless it held a NUL.
    #[inline(always)]
    pub(crate) fn id_value(
        &mut self,
        utf8: &mut Utf8,
        piece: &[u8],
        ascii: bool,
        end: bool,
        nul: bool,
    ) -> Result<(), ParseError> {
        let id = &mut self.ids[usize::from(self.writing)];
        let capacity = id.capacity();
        decode_into(utf8, id, piece, ascii, end).map_err(|_| ParseError::IdTooLong { capacity })?;
        if end && !nul {
            self.pending = self.writing;
        }
        Ok(())
    }
}

/// Reads a piece of a `retry` value into `value` (the digits so far, read
/// exactly). Returns false when the line is to be ignored: a byte that is
/// not an ASCII digit, or a value past `u64::MAX` (as Chromium reads it;
/// the standard sets no bound).
#[inline]
pub(crate) fn retry_digits(value: &mut u64, piece: &[u8]) -> bool {
    for &byte in piece {
        if !byte.is_ascii_digit() {
            return false;
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(byte - b'0')))
        {
            Some(next) => *value = next,
            None => return false,
        }
    }
    true
}

/// Decodes a piece of a value onto `buf`. An ASCII piece (`ascii` says it
/// is known to be one) with nothing pending is appended as it is, here; the
/// rest goes through the decoder, one copy per buffer type, which the event
/// type and the IDs share.
#[inline(always)]
pub(crate) fn decode_into<B: Buffer>(
    utf8: &mut Utf8,
    buf: &mut B,
    piece: &[u8],
    ascii: bool,
    end: bool,
) -> Result<(), crate::Full> {
    if utf8.is_idle() && (ascii || piece.is_ascii()) {
        if let [byte] = *piece {
            // One byte per call (a UART, say): a store, not a copy call.
            return buf.try_extend(&[byte]);
        }
        return buf.try_extend(piece);
    }
    decode_slow(utf8, buf, piece, end)
}

/// The decoder's path of [`decode_into`].
#[inline(never)]
fn decode_slow<B: Buffer>(
    utf8: &mut Utf8,
    buf: &mut B,
    piece: &[u8],
    end: bool,
) -> Result<(), crate::Full> {
    utf8.decode_piece(piece, end, &mut |text: &[u8]| buf.try_extend(text))
}

/// Appends as much of `text` (valid UTF-8) as fits, ending at a character
/// boundary. Returns whether some of it did not fit.
fn push_fitting<B: Buffer>(buf: &mut B, text: &[u8]) -> bool {
    let room = buf.capacity().saturating_sub(buf.len());
    if text.len() <= room {
        return buf.try_extend(text).is_err();
    }
    // A character starts at any byte that is not a continuation byte.
    let mut end = room;
    while end > 0 && text.get(end).is_some_and(|&byte| byte & 0xC0 == 0x80) {
        end -= 1;
    }
    let _ = buf.try_extend(text.get(..end).unwrap_or_default());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_part_is_small() {
        // The README's formula: the five buffers, each a heapless string
        // (its bytes and a `usize` length), plus at most 48 bytes (the
        // open line holds a `retry` value as a `u64`).
        let whole = core::mem::size_of::<Parser<0, 0>>();
        let buffers = 5 * core::mem::size_of::<heapless::Vec<u8, 0>>();
        assert!(
            whole - buffers <= 48,
            "fixed part is {} bytes",
            whole - buffers
        );
        let sized = core::mem::size_of::<Parser<1000, 10>>();
        // Each buffer may be padded up to its length's alignment.
        let padding = 5 * (core::mem::align_of::<usize>() - 1);
        assert!(
            sized <= 1000 + 4 * 10 + buffers + 48 + padding,
            "{sized} bytes"
        );
    }

    #[test]
    fn id_rotation_never_writes_over_committed_or_pending() {
        let mut parser = Parser::<8, 8>::new();
        let mut input: &[u8] = b"id: a\n\nid: b\nid: c\x00\nid: d\n";
        while parser.next(&mut input) != Ok(Status::NeedInput) {}
        assert_eq!(parser.last_event_id(), "a");
        let meta = &parser.meta;
        assert_eq!(&meta.ids[usize::from(meta.pending)][..], b"d");
        assert_ne!(meta.committed, meta.pending);
    }

    #[test]
    fn push_fitting_cuts_at_char_boundary() {
        let mut buf = heapless::Vec::<u8, 4>::new();
        assert!(push_fitting(&mut buf, "a€b".as_bytes()));
        assert_eq!(&buf[..], "a€".as_bytes());
        let mut buf = heapless::Vec::<u8, 3>::new();
        assert!(push_fitting(&mut buf, "a€".as_bytes()));
        assert_eq!(&buf[..], b"a");
        assert!(!push_fitting(&mut buf, b""));
    }
}
