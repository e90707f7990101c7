//! Feature `stream`: `stream::EventStream` yields what the parser reports,
//! in order, with the same end-of-stream verdict, however the body is cut, whatever `Pending`s and transport errors come
//! on the way, and wakes correctly.
#![cfg(feature = "stream")]

mod common;
mod strategies;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use common::{cut, drive, event_item, last_retry, Item};
use futures_core::Stream;
use proptest::prelude::*;
use sse_wire::stream::{EventStream, EventStreamExt};
use sse_wire::{End, GrowableParser, OwnedEvent, OwnedItem, Parser, ReadError};

/// The event of an item that must be one.
fn event<E: std::fmt::Debug>(item: &Result<OwnedItem, ReadError<E>>) -> &OwnedEvent {
    match item {
        Ok(sse_wire::Item::Event(event)) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}
use strategies::sse_like;

/// What the body does at each poll.
enum Step {
    Chunk(Vec<u8>),
    /// `Pending`, waking the task at once.
    Pending,
    Fail(&'static str),
}

struct Body(VecDeque<Step>);

impl Stream for Body {
    type Item = Result<Vec<u8>, &'static str>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.0.pop_front() {
            None => Poll::Ready(None),
            Some(Step::Chunk(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Some(Step::Fail(why)) => Poll::Ready(Some(Err(why))),
            Some(Step::Pending) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

/// Counts wake-ups.
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Polls `stream` to its end like an executor would: a `Pending` must have
/// asked for a wake-up, or the task would hang. Returns every item.
fn run<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut items = Vec::new();
    loop {
        let before = wakes.0.load(Ordering::Relaxed);
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => items.push(item),
            Poll::Ready(None) => return items,
            Poll::Pending => assert!(
                wakes.0.load(Ordering::Relaxed) > before,
                "Pending without a wake-up"
            ),
        }
    }
}

proptest! {
    #[test]
    fn stream_yields_what_the_parser_reports(input in sse_like(),
                                             raw in prop::collection::vec(any::<usize>(), 0..6),
                                             pending in prop::collection::vec(any::<bool>(), 8)) {
        let expected = drive(&mut Parser::<6, 3>::new().with_comments(true), [&input[..]]);
        let mut steps = VecDeque::new();
        for (chunk, pause) in cut(&input, &raw).into_iter().zip(pending.into_iter().cycle()) {
            if pause {
                steps.push_back(Step::Pending);
            }
            steps.push_back(Step::Chunk(chunk));
        }
        let parser = GrowableParser::with_caps(6, 3).with_comments(true);
        let mut events = EventStream::with_parser(Body(steps), parser);
        let items: Vec<Item> = run(&mut events)
            .into_iter()
            .map(|item| match item {
                Ok(sse_wire::Item::Event(event)) => {
                    event_item(
                    event.event_type().to_owned(),
                    event.data().to_owned(),
                    event.last_event_id().to_owned(),
                )
                }
                Ok(sse_wire::Item::Retry(ms)) => Item::Retry(ms),
                Ok(sse_wire::Item::Comment(text)) => Item::Comment(text),
                Ok(other) => panic!("unexpected {other:?}"),
                Err(ReadError::Parse(error)) => Item::Error(error),
                Err(error) => panic!("unexpected {error}"),
            })
            .collect();
        prop_assert_eq!(items, expected.items.clone());
        prop_assert_eq!(events.retry(), last_retry(&expected));
        prop_assert_eq!(events.last_event_id(), expected.last_event_id.as_str());
        prop_assert_eq!(events.end(), Some(expected.end));
    }
}

#[test]
fn transport_errors_pass_through_and_the_stream_goes_on() {
    let body = Body(VecDeque::from([
        Step::Chunk(b"id: 1\ndata: a".to_vec()),
        Step::Fail("reset"),
        Step::Chunk(b"\n\n".to_vec()),
    ]));
    let items = run(body.sse_events());
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], Err(ReadError::Transport("reset")));
    let event = event(&items[1]);
    assert_eq!((event.data(), event.last_event_id()), ("a", "1"));
    assert_eq!(
        ReadError::<&str>::Transport("reset").to_string(),
        "reading the event stream failed: reset"
    );
}

#[test]
fn after_the_end_it_stays_ended_without_polling_the_body_again() {
    struct Once(bool);
    impl Stream for Once {
        type Item = Result<&'static [u8], ()>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            assert!(!self.0, "polled after its end");
            self.0 = true;
            Poll::Ready(None)
        }
    }
    let mut events = Once(false).sse_events();
    assert_eq!(run(&mut events).len(), 0);
    assert_eq!(run(&mut events).len(), 0);
    assert_eq!(events.end(), Some(End::Complete));
}

#[test]
fn retries_and_comments_come_in_stream_order() {
    let body = Body(VecDeque::from([Step::Chunk(
        b": hi\nretry: 5\ndata: a\n\nretry: 18446744073709551615\ndata: b".to_vec(),
    )]));
    let parser = GrowableParser::default().with_comments(true);
    let items = run(EventStream::with_parser(body, parser));
    assert_eq!(
        items,
        [
            Ok(sse_wire::Item::Comment("hi".to_owned())),
            Ok(sse_wire::Item::Retry(5)),
            Ok(sse_wire::Item::Event(OwnedEvent::new("message", "a", ""))),
            Ok(sse_wire::Item::Retry(u64::MAX)),
        ]
    );
}

#[test]
fn a_fixed_capacity_parser_works_under_the_stream_too() {
    let body = Body(VecDeque::from([Step::Chunk(
        b"data: 12345\n\ndata: 1\n\n".to_vec(),
    )]));
    let items = run(EventStream::with_parser(body, Parser::<4>::new()));
    assert_eq!(items.len(), 2);
    assert!(matches!(
        items[0],
        Err(ReadError::Parse(sse_wire::ParseError::DataTooLong {
            capacity: 4
        }))
    ));
    assert_eq!(event(&items[1]).data(), "1");
}

#[test]
fn a_stream_that_is_not_unpin_is_taken_as_it_is() {
    struct Pinned {
        chunks: VecDeque<&'static [u8]>,
        _pin: std::marker::PhantomPinned,
    }
    impl Stream for Pinned {
        type Item = Result<&'static [u8], ()>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            // A `!Unpin` value cannot be borrowed mutably through its pin,
            // but it can be replaced whole.
            let mut chunks = self.chunks.clone();
            let first = chunks.pop_front();
            self.set(Pinned {
                chunks,
                _pin: std::marker::PhantomPinned,
            });
            Poll::Ready(first.map(Ok))
        }
    }
    let body = Pinned {
        chunks: VecDeque::from([&b"data: pin"[..], b"ned\n\n"]),
        _pin: std::marker::PhantomPinned,
    };
    let items = run(body.sse_events());
    assert_eq!(items.len(), 1);
    assert_eq!(event(&items[0]).data(), "pinned");
}

#[test]
#[cfg(target_has_atomic = "ptr")]
fn an_unchanged_type_or_id_is_shared_not_copied_per_event() {
    let body = Body(VecDeque::from([Step::Chunk(
        b"event: delta\nid: 7\ndata: a\n\nevent: delta\ndata: b\n\n\
          event: delta\nid: 8\ndata: c\n\nevent: other\ndata: d\n\ndata: e\n\n"
            .to_vec(),
    )]));
    let items = run(body.sse_events());
    let events: Vec<&OwnedEvent> = items.iter().map(event).collect();
    let seen: Vec<_> = events
        .iter()
        .map(|e| (e.event_type(), e.data(), e.last_event_id()))
        .collect();
    assert_eq!(
        seen,
        [
            ("delta", "a", "7"),
            ("delta", "b", "7"),
            ("delta", "c", "8"),
            ("other", "d", "8"),
            ("message", "e", "8"),
        ]
    );
    let same = |a: &str, b: &str| std::ptr::eq(a.as_ptr(), b.as_ptr());
    // One allocation while the text stays the same ...
    assert!(same(events[0].event_type(), events[1].event_type()));
    assert!(same(events[0].event_type(), events[2].event_type()));
    assert!(same(events[0].last_event_id(), events[1].last_event_id()));
    assert!(same(events[2].last_event_id(), events[4].last_event_id()));
    // ... and a new one when it changes.
    assert!(!same(events[1].last_event_id(), events[2].last_event_id()));
    assert!(!same(events[2].event_type(), events[3].event_type()));
    // The default type is no allocation at all.
    assert!(same(
        events[4].event_type(),
        OwnedEvent::default().event_type()
    ));
}

#[test]
fn owned_events_compare_by_text_however_they_were_made() {
    assert_eq!(
        OwnedEvent::new("message", "x", ""),
        OwnedEvent::default().with_data("x")
    );
    assert_ne!(
        OwnedEvent::new("tick", "x", ""),
        OwnedEvent::new("message", "x", "")
    );
    let debug = format!("{:?}", OwnedEvent::new("message", "x", "1"));
    assert_eq!(
        debug,
        r#"OwnedEvent { event_type: "message", data: "x", last_event_id: "1" }"#
    );
}
