//! A `no_std`, allocation-free parser and encoder for the Server-Sent Events
//! wire format (`text/event-stream`), the stream a browser's `EventSource`
//! reads.
//!
//! The parser follows the WHATWG HTML Standard's "Parsing an event stream"
//! and "Interpreting an event stream" to the letter: CR, LF and CRLF line
//! ends (also a CRLF cut by a chunk boundary), one leading BOM dropped, the
//! one-space rule, `id` with NUL ignored, `retry` as ASCII digits only,
//! invalid UTF-8 replaced by U+FFFD as browsers do, and an unfinished event
//! at the end of the stream discarded. Any chunking of the same bytes, down
//! to one byte per call, gives the same events.
//!
//! # Three layers
//!
//! 1. [`Lexer`]: bytes to [`Token`]s (field and value pieces, blank lines),
//!    borrowing from the input. Two bytes of state, no buffer: for callers
//!    whose events have no size bound.
//! 2. [`EventParser`] (usually through the [`Parser`] alias): the lexer plus
//!    the standard's buffers in storage the caller sizes, yielding
//!    [`Event`]s, reconnection times and the last event ID.
//!    [`PieceParser`] is the same layer without a data buffer, for events
//!    of any size on fixed memory: it hands out each event's data in
//!    [`Piece`]s as they arrive, borrowed from the input where they lie
//!    whole in it, and the event's type and ID with its blank line.
//!    [`EventParser::finish`] and [`PieceParser::finish`] tell a stream that
//!    ended between events from one cut off mid-event ([`End`]).
//! 3. [`Frame`] and [`Encoder`]: events, comments and retry hints to bytes,
//!    into a slice, a [`core::fmt::Write`], or resumably through an output
//!    buffer of any size; with the exact length known up front.
//!
//! Above the wire, sans-IO like the parser: the [`client`] core (one
//! reconnecting `EventSource`'s decisions) and the [`server`] kit (replay
//! from `Last-Event-ID`, keep-alive, response headers, bounded per-client
//! queues, an owned event builder).
//!
//! # Parsing
//!
//! ```
//! use sse_wire::{Parser, Status};
//!
//! // 4 KiB of event data, 64 bytes of event type and id.
//! let mut parser = Parser::<4096>::new();
//! let stream: &[&[u8]] = &[b"retry: 1000\nid: 1\nevent: de", b"lta\ndata: {\"tok\":\"Hel\"}\n\n", b"data: lo\r\n\r\n"];
//! let mut seen = Vec::new();
//! for chunk in stream {
//!     let mut input: &[u8] = chunk;
//!     loop {
//!         match parser.next(&mut input) {
//!             Ok(Status::NeedInput) => break,
//!             Ok(Status::Event(event)) => seen.push(format!(
//!                 "{} {} {}",
//!                 event.event_type(),
//!                 event.data(),
//!                 event.last_event_id()
//!             )),
//!             Ok(Status::Retry(ms)) => seen.push(format!("retry {ms}")),
//!             Ok(Status::Comment(_)) => {}
//!             Ok(_) => {} // `Status` may grow
//!             // A value did not fit: that event is skipped, parsing goes on.
//!             Err(error) => seen.push(error.to_string()),
//!         }
//!     }
//! }
//! assert_eq!(seen, ["retry 1000", "delta {\"tok\":\"Hel\"} 1", "message lo 1"]);
//! assert_eq!(parser.last_event_id(), "1");
//! ```
//!
//! # Writing
//!
//! ```
//! use sse_wire::{EncodeError, Frame};
//!
//! let mut buf = [0u8; 128];
//! let mut len = 0;
//! for frame in [
//!     Frame::Retry(1000),
//!     Frame::Event { event_type: Some("delta"), id: Some("1"), data: Some("line one\nline two") },
//!     Frame::Comment("keep-alive"),
//! ] {
//!     len += frame.encode_to_slice(&mut buf[len..])?;
//! }
//! assert_eq!(
//!     &buf[..len],
//!     b"retry: 1000\nevent: delta\nid: 1\ndata: line one\ndata: line two\n\n: keep-alive\n"
//! );
//!
//! // What would inject a field is refused.
//! let bad = Frame::Event { event_type: Some("x\ndata: evil"), id: None, data: Some("") };
//! assert_eq!(bad.encoded_len(), Err(EncodeError::LineBreakInEventType));
//! # Ok::<(), EncodeError>(())
//! ```
//!
//! # Guarantees
//!
//! - No allocation, ever, in the default build: the crate is `#![no_std]`
//!   and does not link `alloc`. The `alloc`, `std` and `stream` features
//!   add growable storage, which only grows up to caps the caller sets.
//! - Bounded memory: a [`Parser<DATA, META>`](Parser) is its buffers
//!   (`DATA + 4 * META` bytes) plus a fixed part of a few dozen bytes, and
//!   never grows.
//! - No panics on any input; a value too long for its buffer is a
//!   [`ParseError`] naming it, after which the parser skips that event and
//!   goes on. The encoder refuses what it cannot write with an
//!   [`EncodeError`] saying why.
//! - No `unsafe` code in this crate.
//!
//! # Crate features
//!
//! None by default: the crate is then `no_std` without `alloc`, with two
//! dependencies, `heapless` and `memchr`. Each feature adds one integration
//! and at most one dependency (`reqwest`'s three others are crates reqwest
//! depends on anyway):
//!
//! | feature | adds | needs |
//! |---|---|---|
//! | `alloc` | [`CappedBytes`], [`GrowableParser`] (the same parser over growable storage with a cap), [`OwnedEvent`], [`OwnedItem`], [`Frame::encode_to_vec`] | `alloc` |
//! | `std` | [`io::EventReader`] ([`Item`]s from a `std::io::Read`), [`Frame::encode_io`] | `std`, implies `alloc` |
//! | `stream` | [`stream::EventStream`]: a `Stream` of byte chunks to a `Stream` of owned [`Item`]s | `futures-core`, implies `alloc` |
//! | `embedded-io` | [`embedded::EventReader`] (the parser over an `embedded_io::Read`), [`Frame::encode_embedded`] | `embedded-io` |
//! | `embedded-io-async` | the same over the async traits | `embedded-io-async`, implies `embedded-io` |
//! | `bytes` | [`server::Message::into_bytes`]: an encoded event as `bytes::Bytes` | `bytes`, implies `alloc` |
//! | `tokio` | [`server::keep_alive`]: keep-alive comments for a body stream | `tokio` (timer), implies `stream` and `bytes` |
//! | `reqwest` | [`reqwest::EventSource`]: a reconnecting `Stream` of items over a `reqwest::RequestBuilder` | `reqwest`, `tokio` (timer), `futures-util`, `bytes`; implies `std` and `stream` |
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::cast_lossless,
    clippy::doc_markdown,
    clippy::missing_errors_doc,
    clippy::semicolon_if_nothing_returned,
    rust_2018_idioms,
    unreachable_pub
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod buffer;
pub mod client;
mod encoder;
mod item;
mod lexer;
mod parser;
mod pieces;
pub mod server;
mod utf8;

#[cfg(feature = "embedded-io")]
pub mod embedded;
#[cfg(feature = "std")]
pub mod io;
#[cfg(feature = "alloc")]
mod owned;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "stream")]
pub mod stream;

#[cfg(feature = "alloc")]
pub use buffer::CappedBytes;
pub use buffer::{Buffer, Full};
pub use encoder::{EncodeError, Encoder, Frame, Progress};
pub use item::{Item, ReadError};
pub use lexer::{Field, Lexer, Token};
#[cfg(feature = "alloc")]
pub use owned::{GrowableParser, OwnedEvent, OwnedItem};
pub use parser::{End, Event, EventParser, ParseError, Parser, Status, Unfinished};
pub use pieces::{DataPiece, EventEnd, Piece, PieceParser};

// The README's examples are doctests too, so they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
