//! Layer 2 for events of any size: the piece parser.
//!
//! This file owns the event parser's rules without its data buffer. The
//! data of an event is handed out in pieces as it arrives, borrowed from the
//! input wherever it lies whole in the chunk, so that a device with a few
//! KiB of memory can pass a multi-MiB event on to a file, a socket or a
//! streaming decoder. The event type and the last event ID, which are short,
//! are kept in storage the caller sizes, as in [`EventParser`], and come
//! with the blank line that ends the event.
//!
//! The field rules are the event parser's own ([`Line`] and [`Meta`] for
//! `event`, `id` and `retry`); only the data takes another path:
//!
//! - Data lines are joined lazily, as in the event parser: the LF between
//!   two data lines is handed out at the start of the second, so the pieces
//!   joined are exactly the event's data, with no trailing LF.
//! - A UTF-8 sequence cut by a chunk boundary is kept (at most three bytes)
//!   and finished with the next piece, in a few bytes of the parser's own.
//!   A piece is thus its head (those bytes, and the joining LF) and its body
//!   (a slice of the input), see [`DataPiece`].
//!
//! [`EventParser`]: crate::EventParser
//! [`Line`]: crate::parser::Line
//! [`Meta`]: crate::parser::Meta

use core::fmt;

use crate::buffer::{text, Buffer};
use crate::lexer::{Field, Lexer, Token};
use crate::parser::{End, Line, Meta, ParseError, DEFAULT_TYPE};
use crate::utf8::{Utf8, REPLACEMENT};

/// The piece parser: bytes in, [`Piece`]s out, with no buffer for the data.
///
/// `M` stores the event type and the last event ID, as in
/// [`EventParser`](crate::EventParser); the data is never stored, so an
/// event may be of any size. It follows the same rules as the event parser
/// and gives the same results: the data pieces of an event, joined, are the
/// data the event parser would dispatch, at every chunking.
///
/// Comments are not reported.
///
/// ```
/// use sse_wire::{Piece, PieceParser};
///
/// let mut parser = PieceParser::<heapless::Vec<u8, 32>>::new();
/// let mut data = String::new();
/// let mut ended = Vec::new();
/// for chunk in [&b"event: image\ndata: iVBORw0KGgo"[..], b"AAAANSUhEUg\ndata: more\n\n"] {
///     let mut input = chunk;
///     loop {
///         match parser.next(&mut input) {
///             Ok(Piece::NeedInput) => break,
///             // Pass each piece on as it comes: here, into a String.
///             Ok(Piece::Data(piece)) => piece.chunks().for_each(|text| data.push_str(text)),
///             Ok(Piece::EventEnd(end)) => ended.push((end.dispatched, end.event_type.to_owned())),
///             Ok(_) => {}
///             Err(error) => eprintln!("{error}"),
///         }
///     }
/// }
/// assert_eq!(data, "iVBORw0KGgoAAAANSUhEUg\nmore");
/// assert_eq!(ended, [(true, "image".to_owned())]);
/// ```
#[derive(Clone, Debug)]
pub struct PieceParser<M> {
    /// Layer 1: where we are in the line grammar.
    lexer: Lexer,
    /// Bytes of a UTF-8 sequence cut by a chunk boundary, in the open line.
    utf8: Utf8,
    /// The event type and last-event-ID buffers.
    meta: Meta<M>,
    /// What the open line is, once its first piece arrived.
    line: Line,
    /// A `data` line arrived in this block: its blank line ends an event.
    has_data: bool,
    /// A value overflowed in this block: ignore lines up to the blank line.
    skipping: bool,
    /// The last call reported the end of an event, whose type the caller
    /// may still hold: clear it at the next call.
    ended: bool,
    /// The head of the data piece being reported: the LF joining two data
    /// lines, a character finished across chunks, U+FFFD for one that
    /// could not be.
    head: [u8; 8],
    /// How many bytes of `head` are in use.
    head_len: u8,
}

/// What [`PieceParser::next`] found. Each variant says what to do next.
///
/// ```
/// use sse_wire::{Piece, PieceParser};
/// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
/// let mut input: &[u8] = b"retry: 5\ndata: x\n\n";
/// assert_eq!(parser.next(&mut input), Ok(Piece::Retry(5)));
/// assert!(matches!(parser.next(&mut input), Ok(Piece::Data(p)) if p.as_str() == Some("x")));
/// assert!(matches!(parser.next(&mut input), Ok(Piece::EventEnd(end)) if end.dispatched));
/// assert_eq!(parser.next(&mut input), Ok(Piece::NeedInput));
/// ```
#[must_use]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'p> {
    /// The input is used up: call again with the next chunk.
    NeedInput,
    /// A piece of the data of the event in progress. The pieces of an
    /// event, joined in order, are its data (its `data` lines joined with
    /// LF). Pass it on, then call again with the same input.
    ///
    /// An event's data may come in any number of pieces, also none (for an
    /// event with empty data); a piece is never empty.
    Data(DataPiece<'p>),
    /// The blank line that ends an event whose `data` lines came before,
    /// or a block in which a value overflowed (then not dispatched). Call
    /// again with the same input.
    EventEnd(EventEnd<'p>),
    /// A valid `retry` field, as [`Status::Retry`](crate::Status::Retry).
    /// Call again with the same input.
    Retry(u64),
}

/// The end of an event: what comes with its blank line.
///
/// ```
/// use sse_wire::{Piece, PieceParser};
/// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
/// let mut input: &[u8] = b"id: 7\ndata: x\n\n";
/// assert!(matches!(parser.next(&mut input), Ok(Piece::Data(_))));
/// let Ok(Piece::EventEnd(end)) = parser.next(&mut input) else { panic!() };
/// assert!(end.dispatched);
/// assert_eq!((end.event_type, end.last_event_id), ("message", "7"));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventEnd<'p> {
    /// Whether the event is dispatched. False when an `event` or `id`
    /// value of this event did not fit (the error was returned then): the
    /// event is dropped, and the data handed out for it should be too.
    pub dispatched: bool,
    /// The event type, `"message"` when none was set.
    pub event_type: &'p str,
    /// The last event ID as of this event.
    pub last_event_id: &'p str,
}

/// A piece of an event's data: decoded text, mostly borrowed from the input.
///
/// Its text is a head of a few bytes kept by the parser (the LF that joins
/// two data lines, or a character cut by a chunk boundary) followed by a
/// body borrowed from the input. [`chunks`](Self::chunks) hands out the
/// text as `str`s; invalid UTF-8 in the body becomes U+FFFD there, as the
/// standard says, so the text is what the event parser would have stored.
///
/// ```
/// use sse_wire::{Piece, PieceParser};
/// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
/// let mut input: &[u8] = b"data: caf\xC3";
/// let Ok(Piece::Data(piece)) = parser.next(&mut input) else { panic!() };
/// assert_eq!(piece.as_str(), Some("caf")); // the cut "é" waits for its second byte
/// let mut input: &[u8] = b"\xA9 ok\n";
/// let Ok(Piece::Data(piece)) = parser.next(&mut input) else { panic!() };
/// assert_eq!(piece.chunks().collect::<String>(), "é ok");
/// assert_eq!(piece.as_str(), None); // two runs: the finished "é", then " ok"
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DataPiece<'p> {
    /// Valid UTF-8 made by the parser; may be empty.
    head: &'p str,
    /// The part borrowed from the input.
    body: Body<'p>,
}

/// The body of a [`DataPiece`]: checked once, when the piece was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body<'p> {
    /// Valid UTF-8.
    Text(&'p str),
    /// Bytes with invalid UTF-8 in them, decoded lossily when read. They
    /// never end inside a sequence that a later piece could finish.
    Lossy(&'p [u8]),
}

impl<'p> DataPiece<'p> {
    /// The piece's text in order, as `str`s borrowed from the parser and
    /// the input: the head, then the body's valid runs with U+FFFD for each
    /// invalid sequence.
    ///
    /// ```
    /// use sse_wire::{Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"data: a\xFFb\n";
    /// let Ok(Piece::Data(piece)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!(piece.chunks().collect::<Vec<_>>(), ["a", "\u{FFFD}", "b"]);
    /// ```
    pub fn chunks(&self) -> impl Iterator<Item = &'p str> + 'p {
        let head = Some(self.head).filter(|head| !head.is_empty());
        let (text, lossy) = match self.body {
            Body::Text(text) => (Some(text).filter(|text| !text.is_empty()), &b""[..]),
            Body::Lossy(bytes) => (None, bytes),
        };
        let decoded = lossy.utf8_chunks().flat_map(|chunk| {
            let valid = Some(chunk.valid()).filter(|valid| !valid.is_empty());
            let invalid = (!chunk.invalid().is_empty()).then_some(REPLACEMENT);
            valid.into_iter().chain(invalid)
        });
        head.into_iter().chain(text).chain(decoded)
    }

    /// The piece's text as one `str`, when it is one run: the common case
    /// of valid text that lay whole in the input (then borrowed from it,
    /// not copied). `None` when it is in several runs; use
    /// [`chunks`](Self::chunks).
    ///
    /// ```
    /// use sse_wire::{Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"data: {\"n\":1}\n";
    /// let range = input.as_ptr_range();
    /// let Ok(Piece::Data(piece)) = parser.next(&mut input) else { panic!() };
    /// let text = piece.as_str().unwrap();
    /// assert_eq!(text, "{\"n\":1}");
    /// assert!(range.contains(&text.as_ptr())); // no copy
    /// ```
    pub fn as_str(&self) -> Option<&'p str> {
        match self.body {
            Body::Text(text) if self.head.is_empty() => Some(text),
            Body::Text("") => Some(self.head),
            Body::Lossy(_) | Body::Text(_) => None,
        }
    }

    /// The length of the piece's text in bytes of UTF-8.
    ///
    /// ```
    /// use sse_wire::{Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"data: \xFF\n";
    /// let Ok(Piece::Data(piece)) = parser.next(&mut input) else { panic!() };
    /// assert_eq!(piece.len(), 3); // one U+FFFD
    /// ```
    pub fn len(&self) -> usize {
        match self.body {
            Body::Text(text) => self.head.len() + text.len(),
            Body::Lossy(_) => self.chunks().map(str::len).sum(),
        }
    }

    /// Whether the piece has no text; never true of a piece
    /// [`PieceParser::next`] hands out.
    ///
    /// ```
    /// use sse_wire::{Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"data: x\n";
    /// let Ok(Piece::Data(piece)) = parser.next(&mut input) else { panic!() };
    /// assert!(!piece.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for DataPiece<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.chunks()).finish()
    }
}

impl<const META: usize> PieceParser<heapless::Vec<u8, META>> {
    /// A piece parser at the start of a stream, with `META` bytes for the
    /// event type and for each of the ID's slots. It is `const`, so it can
    /// be a `static`.
    ///
    /// ```
    /// let parser = sse_wire::PieceParser::<heapless::Vec<u8, 64>>::new();
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    pub const fn new() -> Self {
        PieceParser::from_meta(Meta::new(
            heapless::Vec::new(),
            [
                heapless::Vec::new(),
                heapless::Vec::new(),
                heapless::Vec::new(),
            ],
        ))
    }
}

impl<const META: usize> Default for PieceParser<heapless::Vec<u8, META>> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Buffer + Clone> PieceParser<M> {
    /// A piece parser over copies of the given store (emptied first) for
    /// the event type and the IDs: for instance a
    /// [`CappedBytes`](crate::CappedBytes) with the `alloc` feature.
    ///
    /// ```
    /// use sse_wire::PieceParser;
    /// let parser = PieceParser::with_buffer(heapless::Vec::<u8, 16>::new());
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    pub fn with_buffer(mut meta: M) -> Self {
        meta.clear();
        let ids = [meta.clone(), meta.clone(), meta.clone()];
        PieceParser::from_meta(Meta::new(meta, ids))
    }
}

impl<M> PieceParser<M> {
    /// A piece parser at the start of a stream over these (empty) buffers.
    const fn from_meta(meta: Meta<M>) -> Self {
        PieceParser {
            lexer: Lexer::new(),
            utf8: Utf8::new(),
            meta,
            line: Line::Idle,
            has_data: false,
            skipping: false,
            ended: false,
            head: [0; 8],
            head_len: 0,
        }
    }
}

impl<M: Buffer> PieceParser<M> {
    /// The last event ID: the value a client sends as `Last-Event-ID`, as
    /// [`EventParser::last_event_id`](crate::EventParser::last_event_id).
    ///
    /// ```
    /// use sse_wire::{Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"id: 42\n\nid: 43\n";
    /// assert_eq!(parser.next(&mut input), Ok(Piece::NeedInput));
    /// assert_eq!(parser.last_event_id(), "42");
    /// ```
    pub fn last_event_id(&self) -> &str {
        text(self.meta.last_event_id())
    }

    /// Prepares for a new stream from the same source: the event in
    /// progress is dropped, the last event ID kept, as
    /// [`EventParser::reset`](crate::EventParser::reset).
    ///
    /// ```
    /// use sse_wire::{Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"data: cut";
    /// assert!(matches!(parser.next(&mut input), Ok(Piece::Data(_))));
    /// parser.reset();
    /// let mut input: &[u8] = b"\n\n"; // a new stream: just blank lines
    /// assert_eq!(parser.next(&mut input), Ok(Piece::NeedInput));
    /// ```
    pub fn reset(&mut self) {
        self.head_len = 0;
        self.lexer.reset();
        self.utf8.reset();
        self.meta.reset();
        self.line = Line::Idle;
        self.has_data = false;
        self.skipping = false;
        self.ended = false;
    }

    /// Ends the stream: the verdict of
    /// [`EventParser::finish`](crate::EventParser::finish) (was an event
    /// cut off, and did it have data?), then a [`reset`](Self::reset). A
    /// caller that passed on data pieces of an event the stream cut off
    /// learns here that no blank line ended it.
    ///
    /// ```
    /// use sse_wire::{End, Piece, PieceParser};
    /// let mut parser = PieceParser::<heapless::Vec<u8, 8>>::new();
    /// let mut input: &[u8] = b"data: a large upload, cut o";
    /// assert!(matches!(parser.next(&mut input), Ok(Piece::Data(_))));
    /// assert!(matches!(parser.finish(), End::UnfinishedLine(held) if held.data));
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
    /// past the bytes used, as [`EventParser::next`](crate::EventParser::next)
    /// does.
    ///
    /// # Termination
    ///
    /// Returns `Ok(Piece::NeedInput)` once `*input` is used up; call again
    /// with the next chunk. Chunks may be cut at any byte: the pieces may be
    /// cut differently, but joined they are the same. At the end of the
    /// stream, [`finish`](Self::finish) says whether an event was cut off.
    ///
    /// # Errors
    ///
    /// [`ParseError::EventTypeTooLong`] or [`ParseError::IdTooLong`] when
    /// an `event` or `id` value does not fit; the data never overflows,
    /// since it is not stored. As in the event parser, the rest of that
    /// event is skipped (no more pieces), its [`EventEnd`] says it is not
    /// dispatched (it comes also for a block that had no data), and the
    /// parser stays usable: call again with the same input.
    pub fn next<'p, 'i: 'p>(&'p mut self, input: &mut &'i [u8]) -> Result<Piece<'p>, ParseError> {
        self.take_back();
        loop {
            let (field, piece, end, ascii) = match self.lexer.next(input) {
                Token::NeedInput => return Ok(Piece::NeedInput),
                Token::BlankLine => {
                    self.meta.commit();
                    let had_data = core::mem::take(&mut self.has_data);
                    let dispatched = !core::mem::take(&mut self.skipping);
                    if !had_data && dispatched {
                        self.meta.open_event();
                        continue;
                    }
                    self.ended = true;
                    return Ok(Piece::EventEnd(EventEnd {
                        dispatched,
                        event_type: self.meta.event_type().map_or(DEFAULT_TYPE, text),
                        last_event_id: text(self.meta.last_event_id()),
                    }));
                }
                Token::Value {
                    field,
                    piece,
                    end,
                    ascii,
                } => (field, piece, end, ascii),
            };
            if self.skipping || matches!(field, Field::Comment | Field::Unknown) {
                continue;
            }
            if self.line == Line::Idle {
                self.line = if field == Field::Data {
                    if core::mem::replace(&mut self.has_data, true) {
                        self.push_head(b"\n");
                    }
                    Line::Data
                } else {
                    Line::open_meta(field, &mut self.meta)
                };
            }
            if self.line == Line::Data {
                if end {
                    self.line = Line::Idle;
                }
                if let Some(body) = self.data(piece, end) {
                    return Ok(Piece::Data(DataPiece {
                        head: self.head(),
                        body,
                    }));
                }
                continue;
            }
            let result = self
                .line
                .meta_value(&mut self.meta, &mut self.utf8, piece, ascii, end);
            self.fail(result)?;
            if end {
                if let Line::Retry {
                    value,
                    digits: true,
                } = core::mem::replace(&mut self.line, Line::Idle)
                {
                    return Ok(Piece::Retry(value));
                }
            }
        }
    }

    /// Takes back what the previous call handed out: the head of a data
    /// piece, the event type of an event end.
    fn take_back(&mut self) {
        self.head_len = 0;
        if core::mem::take(&mut self.ended) {
            self.meta.open_event();
        }
    }

    /// Adds `bytes` to the head of the data piece being made.
    fn push_head(&mut self, bytes: &[u8]) {
        let at = usize::from(self.head_len);
        // The head holds at most an LF and one character or U+FFFD.
        if let Some(slot) = self.head.get_mut(at..at + bytes.len()) {
            slot.copy_from_slice(bytes);
            self.head_len += bytes.len() as u8;
        }
    }

    /// The head of the data piece being made, as text.
    fn head(&self) -> &str {
        let head = self
            .head
            .get(..usize::from(self.head_len))
            .unwrap_or_default();
        text(head)
    }

    /// Makes the data piece of `piece`, a piece of a data line's value:
    /// the head (a joining LF may be in it already) gets what finishes a
    /// sequence cut before, and the body is the rest, up to a sequence that
    /// this piece cuts. `None` when the piece has no text.
    fn data<'i>(&mut self, piece: &'i [u8], end: bool) -> Option<Body<'i>> {
        let mut body = piece;
        if !self.utf8.is_idle() {
            let mut made = [0u8; 8];
            let mut len = 0;
            let mut sink = |text: &[u8]| {
                if let Some(slot) = made.get_mut(len..len + text.len()) {
                    slot.copy_from_slice(text);
                    len += text.len();
                }
                Ok::<(), ()>(())
            };
            body = self.utf8.resume(body, &mut sink).unwrap_or_default();
            if end {
                // A sequence the line's end cut is one U+FFFD.
                let _ = self.utf8.finish(&mut sink);
            }
            self.push_head(made.get(..len).unwrap_or_default());
        }
        if !end && self.utf8.is_idle() {
            body = self.utf8.keep_unfinished(body);
        }
        if body.is_empty() && self.head_len == 0 {
            return None;
        }
        Some(match core::str::from_utf8(body) {
            Ok(text) => Body::Text(text),
            Err(_) => Body::Lossy(body),
        })
    }

    /// Passes an overflow on, first putting the parser in the state the
    /// standard's skipping needs, as the event parser does.
    fn fail(&mut self, result: Result<(), ParseError>) -> Result<(), ParseError> {
        if let Err(error) = result {
            if matches!(error, ParseError::EventTypeTooLong { .. }) {
                self.meta.open_event();
            }
            self.skipping = true;
            self.line = Line::Idle;
            self.utf8.reset();
        }
        result
    }
}
