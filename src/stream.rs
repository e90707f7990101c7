//! With the `stream` feature: a [`Stream`] of byte chunks (an HTTP body, a
//! socket) to a [`Stream`] of [`OwnedItem`]s: events, reconnection times
//! and (when asked for) comments.
//!
//! [`EventStream`] polls the inner stream only when the chunk in hand is used
//! up, and parses each chunk in place with the same [`EventParser`] as
//! everything else: no copy of the chunk, and no buffer that grows with the
//! stream. It needs only `futures-core`, so it fits any executor.

use core::pin::Pin;
use core::task::{Context, Poll};

use alloc::boxed::Box;
use futures_core::Stream;

use crate::buffer::{Buffer, CappedBytes};
use crate::item::{self, Found, Item, ReadError};
use crate::owned::{GrowableParser, OwnedItem, Owner};
use crate::parser::{End, EventParser};

/// The items of a stream of byte chunks.
///
/// Built with [`EventStream::new`] or [`EventStreamExt::sse_events`]. Items
/// are `Ok(`[`OwnedItem`]`)` (an event, a reconnection time, or a comment
/// when the parser reports them), `Err(ReadError::Parse(_))` for an event
/// that did not fit (the stream goes on after it) or
/// `Err(ReadError::Transport(_))` for an error of the inner stream, passed
/// on as it is. The stream ends when the inner one does; an event that no
/// blank line finished is dropped, as the standard says, and
/// [`end`](Self::end) tells whether that happened. The last reconnection
/// time and event ID stay readable for reconnecting:
/// [`retry`](Self::retry), [`last_event_id`](Self::last_event_id).
///
/// ```
/// use futures_core::Stream;
/// use sse_wire::{stream::EventStreamExt, End, Item};
/// use std::{pin::pin, task::{Context, Poll, Waker}};
/// # struct Chunks(std::vec::IntoIter<&'static [u8]>);
/// # impl Stream for Chunks {
/// #     type Item = Result<&'static [u8], std::io::Error>;
/// #     fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
/// #         Poll::Ready(self.0.next().map(Ok))
/// #     }
/// # }
/// # let body = Chunks(vec![&b"retry: 50\ndata: hel"[..], b"lo\n\n"].into_iter());
///
/// // `body` is any `Stream` of `Result<impl AsRef<[u8]>, E>`: here the chunks
/// // "retry: 50\ndata: hel" and "lo\n\n".
/// let mut items = pin!(body.sse_events());
/// // In async code: `while let Some(item) = items.next().await { ... }`.
/// let mut cx = Context::from_waker(Waker::noop());
/// let Poll::Ready(Some(Ok(Item::Retry(50)))) = items.as_mut().poll_next(&mut cx) else { panic!() };
/// let Poll::Ready(Some(Ok(Item::Event(event)))) = items.as_mut().poll_next(&mut cx) else { panic!() };
/// assert_eq!(event.data(), "hello");
/// assert!(matches!(items.as_mut().poll_next(&mut cx), Poll::Ready(None)));
/// assert_eq!(items.end(), Some(End::Complete));
/// ```
#[derive(Debug)]
pub struct EventStream<S, B, D = CappedBytes, M = CappedBytes> {
    /// Pinned on the heap, so that any stream will do, `Unpin` or not,
    /// without `unsafe` pin projection here.
    inner: Pin<Box<S>>,
    parser: EventParser<D, M>,
    /// The event type and ID last handed out, shared with the next events.
    owner: Owner,
    /// The chunk being parsed and how far.
    chunk: Option<B>,
    pos: usize,
    retry: Option<u64>,
    /// The verdict, once the inner stream ended.
    end: Option<End>,
}

impl<S, B> EventStream<S, B> {
    /// Parses `inner` with a [`GrowableParser::default`] (16 MiB of data, 4
    /// KiB of type and ID at most).
    ///
    /// ```
    /// use futures_core::Stream;
    /// use sse_wire::stream::EventStream;
    ///
    /// fn events<S: Stream<Item = Result<Vec<u8>, std::io::Error>>>(body: S) -> EventStream<S, Vec<u8>> {
    ///     EventStream::new(body)
    /// }
    /// ```
    pub fn new(inner: S) -> Self {
        Self::with_parser(inner, GrowableParser::default())
    }
}

impl<S, B, D, M> EventStream<S, B, D, M> {
    /// Parses `inner` with the given parser: a
    /// [`Parser`](crate::Parser) for fixed memory, a
    /// [`GrowableParser::with_caps`] for other caps.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use sse_wire::{stream::EventStream, Parser};
    ///
    /// // Fixed memory: 4 KiB of data at most, no allocation while parsing.
    /// fn events<S: Stream<Item = Result<Vec<u8>, std::io::Error>>>(
    ///     body: S,
    /// ) -> EventStream<S, Vec<u8>, heapless::Vec<u8, 4096>, heapless::Vec<u8, 64>> {
    ///     EventStream::with_parser(body, Parser::new())
    /// }
    /// ```
    pub fn with_parser(inner: S, parser: EventParser<D, M>) -> Self {
        EventStream {
            inner: Box::pin(inner),
            parser,
            owner: Owner::default(),
            chunk: None,
            pos: 0,
            retry: None,
            end: None,
        }
    }

    /// The last reconnection time (`retry` field) the stream sent, in
    /// milliseconds.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use sse_wire::stream::EventStream;
    ///
    /// fn reconnect_state<S: Stream<Item = Result<Vec<u8>, std::io::Error>>>(
    ///     events: &EventStream<S, Vec<u8>>,
    /// ) -> (Option<u64>, &str) {
    ///     (events.retry(), events.last_event_id())
    /// }
    /// ```
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// How the stream ended, once the inner stream has (`None` before):
    /// whether it stopped cleanly between events or cut one off. See
    /// [`End`].
    ///
    /// ```
    /// use futures_core::Stream;
    /// use sse_wire::{stream::EventStream, End};
    ///
    /// fn truncated<S: Stream<Item = Result<Vec<u8>, std::io::Error>>>(
    ///     events: &EventStream<S, Vec<u8>>,
    /// ) -> bool {
    ///     matches!(events.end(), Some(end) if !end.is_complete())
    /// }
    /// ```
    pub fn end(&self) -> Option<End> {
        self.end
    }

    /// The inner stream.
    ///
    /// ```
    /// use sse_wire::stream::EventStream;
    /// let events: EventStream<Vec<u8>, Vec<u8>> = EventStream::new(vec![1, 2]);
    /// assert_eq!(events.get_ref(), &[1, 2]);
    /// ```
    pub fn get_ref(&self) -> &S {
        self.inner.as_ref().get_ref()
    }

    /// The inner stream and the parser, for instance to go on with the
    /// parser's state on a new connection. A chunk in hand is dropped.
    ///
    /// ```
    /// use sse_wire::stream::EventStream;
    /// let events: EventStream<(), Vec<u8>> = EventStream::new(());
    /// let (_inner, parser) = events.into_parts();
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    pub fn into_parts(self) -> (Pin<Box<S>>, EventParser<D, M>) {
        (self.inner, self.parser)
    }
}

impl<S, B, D: Buffer, M: Buffer> EventStream<S, B, D, M> {
    /// The last event ID: what a reconnecting client sends as
    /// `Last-Event-ID`.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use sse_wire::stream::EventStream;
    ///
    /// fn reconnect_state<S: Stream<Item = Result<Vec<u8>, std::io::Error>>>(
    ///     events: &EventStream<S, Vec<u8>>,
    /// ) -> (Option<u64>, &str) {
    ///     (events.retry(), events.last_event_id())
    /// }
    /// ```
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }
}

// Nothing in the adaptor is ever pinned through it: the inner stream is
// pinned on its own, and the rest is plain data.
impl<S, B, D, M> Unpin for EventStream<S, B, D, M> {}

impl<S, B, E, D, M> Stream for EventStream<S, B, D, M>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    D: Buffer,
    M: Buffer,
{
    type Item = Result<OwnedItem, ReadError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(chunk) = &this.chunk {
                let bytes = chunk.as_ref();
                let (found, pos) = item::step(&mut this.parser, bytes, this.pos);
                this.pos = pos;
                match found {
                    Found::Ready(found) => {
                        let item = this.owner.item(item::item(&this.parser, bytes, found));
                        if let Item::Retry(ms) = item {
                            this.retry = Some(ms);
                        }
                        return Poll::Ready(Some(Ok(item)));
                    }
                    Found::Error(error) => return Poll::Ready(Some(Err(ReadError::Parse(error)))),
                    Found::NeedInput => this.chunk = None,
                }
            }
            if this.end.is_some() {
                return Poll::Ready(None);
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.end = Some(this.parser.finish());
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(error))) => {
                    return Poll::Ready(Some(Err(ReadError::Transport(error))))
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    this.chunk = Some(chunk);
                    this.pos = 0;
                }
            }
        }
    }
}

/// Turns a stream of byte chunks into [`EventStream`]: `body.sse_events()`.
///
/// ```
/// use futures_core::Stream;
/// use sse_wire::stream::{EventStream, EventStreamExt};
///
/// fn events<S: Stream<Item = Result<Vec<u8>, std::io::Error>>>(body: S) -> EventStream<S, Vec<u8>> {
///     body.sse_events()
/// }
/// ```
pub trait EventStreamExt: Sized {
    /// The byte chunk type.
    type Chunk;
    /// The events of this stream, parsed with a
    /// [`GrowableParser::default`].
    fn sse_events(self) -> EventStream<Self, Self::Chunk>;
}

impl<S, B, E> EventStreamExt for S
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
{
    type Chunk = B;

    fn sse_events(self) -> EventStream<Self, B> {
        EventStream::new(self)
    }
}
