//! The server kit: the replay log, the queue, keep-alive and the message
//! builder, each against a plain model, and the log's bounds under any
//! sequence of appends, resumes and slow readers.

mod common;
mod strategies;

use std::collections::VecDeque;

use common::frames::Spec;
use common::{drive, Item};
use proptest::prelude::*;
use sse_wire::server::{
    AppendError, Cursor, Gap, KeepAlive, Message, Next, Overflow, Popped, Pushed, Queue, ReplayLog,
};
use sse_wire::{EncodeError, Frame};
use strategies::{multiline, spec};

/// An event as the model keeps it.
#[derive(Clone, Debug, PartialEq)]
struct Sent {
    /// Its place in the order of appends that succeeded.
    seq: u64,
    id: String,
    event_type: Option<String>,
    data: String,
    /// The bytes it takes in the log: its ID and its frame.
    size: usize,
    /// Whether the log gave its ID.
    assigned: bool,
}

#[derive(Clone, Debug)]
enum Op {
    Append {
        event_type: Option<String>,
        /// `None`: the log assigns one. IDs come from a small set, so some
        /// repeat.
        id: Option<String>,
        data: String,
    },
    /// A client resumes with this ID (an index into what was sent, from
    /// the newest back, or an ID never sent).
    Resume(Option<usize>),
    /// Reader `which` reads up to `steps` events.
    Read { which: usize, steps: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            prop::option::of("[a-z]{0,6}"),
            prop::option::weighted(0.3, "[a-c]{1,2}|[0-9]{1,3}"),
            prop_oneof![3 => "[a-z \n]{0,40}", 1 => "[a-z]{100,400}"],
        )
            .prop_map(|(event_type, id, data)| Op::Append { event_type, id, data }),
        2 => prop::option::of(0usize..40).prop_map(Op::Resume),
        3 => (0usize..3, 0usize..12).prop_map(|(which, steps)| Op::Read { which, steps }),
    ]
}

/// The event a frame in the log parses back to.
fn parse_one(frame: &[u8]) -> (String, String, String) {
    let mut parser = sse_wire::Parser::<4096, 64>::new();
    let outcome = drive(&mut parser, [frame]);
    match &outcome.items[..] {
        [Item::Event {
            event_type,
            data,
            id,
        }] => (event_type.clone(), data.clone(), id.clone()),
        other => panic!("a logged frame is not one event: {other:?}"),
    }
}

/// Checks an entry against the event the model says is at that place.
fn check_entry(id: &str, frame: &[u8], sent: &Sent) {
    assert_eq!(id, sent.id);
    let (event_type, data, parsed_id) = parse_one(frame);
    assert_eq!(parsed_id, sent.id);
    assert_eq!(data, sent.data);
    assert_eq!(
        event_type,
        sent.event_type
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "message".into())
    );
    assert_eq!(id.len() + frame.len(), sent.size);
}

const EVENTS: usize = 8;
/// Operations per case: under miri, enough to wrap the log a few times.
const MAX_OPS: usize = if cfg!(miri) { 24 } else { 80 };
const BYTES: usize = 600;

/// A reader of the model: the sequence number of the next event it expects.
struct Reader {
    cursor: Cursor,
    expect: u64,
}

proptest! {
    // 300 cases unless PROPTEST_CASES says otherwise (miri runs a few).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300),
        ..ProptestConfig::default()
    })]

    /// No sequence of appends, resumes and slow reads breaks the log's
    /// bounds or its answers: it holds the newest events, at most `EVENTS`
    /// of them in `BYTES` bytes, evicting no more than it must; a resume
    /// gets exactly the events after the ID, or a gap exactly when the ID
    /// is not kept; a reader sees every event once and in order, or is told
    /// exactly how many it missed.
    #[test]
    fn the_replay_log_keeps_its_bounds_and_its_answers(ops in prop::collection::vec(op(), 1..MAX_OPS)) {
        let mut log = ReplayLog::<_, EVENTS>::new(vec![0u8; BYTES]);
        let mut sent: Vec<Sent> = Vec::new();
        let mut next_id = 1u64;
        let mut largest = 0usize;
        let mut readers: Vec<Reader> = (0..3).map(|_| Reader { cursor: log.live(), expect: 0 }).collect();
        for op in ops {
            match op {
                Op::Append { event_type, id, data } => {
                    let frame = Frame::Event {
                        event_type: event_type.as_deref(),
                        id: id.as_deref(),
                        data: Some(&data),
                    };
                    let id = id.clone().unwrap_or_else(|| next_id.to_string());
                    let with_id = Frame::Event {
                        event_type: event_type.as_deref(),
                        id: Some(&id),
                        data: Some(&data),
                    };
                    let size = id.len() + with_id.encoded_len().unwrap();
                    let before = log.len();
                    match log.append(&frame) {
                        Ok(entry) => {
                            prop_assert_eq!(entry.id, &id);
                            prop_assert_eq!(entry.frame, &with_id.encode_to_vec().unwrap()[..]);
                            let assigned = matches!(frame, Frame::Event { id: None, .. });
                            if assigned {
                                next_id += 1;
                            }
                            largest = largest.max(size);
                            sent.push(Sent { seq: sent.len() as u64, id, event_type, data, size, assigned });
                        }
                        Err(AppendError::TooLarge { needed }) => {
                            prop_assert_eq!(needed, size);
                            prop_assert!(size > BYTES);
                            prop_assert_eq!(log.len(), before);
                        }
                        Err(other) => prop_assert!(false, "unexpected {other:?}"),
                    }
                }
                Op::Resume(pick) => {
                    let id = match pick {
                        Some(back) if back < sent.len() => sent[sent.len() - 1 - back].id.clone(),
                        _ => "never-sent".to_owned(),
                    };
                    let kept = &sent[sent.len() - log.len()..];
                    // The event just before the oldest kept, if the log gave
                    // its ID: a client that saw it missed nothing kept.
                    let evicted_last = (sent.len() > log.len())
                        .then(|| &sent[sent.len() - log.len() - 1])
                        .filter(|s| s.assigned && s.id == id);
                    match log.after(&id) {
                        Ok(mut cursor) => {
                            let from = match kept.iter().rposition(|s| s.id == id) {
                                Some(at) => at + 1,
                                None => {
                                    prop_assert!(evicted_last.is_some(), "resumed from {id}, which is not kept");
                                    0
                                }
                            };
                            for expected in &kept[from..] {
                                let Next::Event(entry) = log.next(&mut cursor) else {
                                    panic!("a resume stopped early")
                                };
                                check_entry(entry.id, entry.frame, expected);
                            }
                            prop_assert_eq!(log.next(&mut cursor), Next::CaughtUp);
                        }
                        Err(Gap) => {
                            prop_assert!(!kept.iter().any(|s| s.id == id));
                            prop_assert!(evicted_last.is_none());
                        }
                    }
                }
                Op::Read { which, steps } => {
                    let reader = &mut readers[which];
                    for _ in 0..steps {
                        match log.next(&mut reader.cursor) {
                            Next::Event(entry) => {
                                let expected = &sent[reader.expect as usize];
                                check_entry(entry.id, entry.frame, expected);
                                reader.expect += 1;
                            }
                            Next::Missed(missed) => {
                                // Exactly the events that left the log before it read them.
                                let oldest = (sent.len() - log.len()) as u64;
                                prop_assert_eq!(reader.expect + missed, oldest);
                                reader.expect = oldest;
                            }
                            Next::CaughtUp => {
                                prop_assert_eq!(reader.expect, sent.len() as u64);
                                break;
                            }
                        }
                    }
                }
            }
            // The bounds, and what is kept: the newest events, in order.
            prop_assert!(log.len() <= EVENTS);
            let kept = &sent[sent.len() - log.len()..];
            let bytes: usize = kept.iter().map(|s| s.size).sum();
            prop_assert!(bytes <= BYTES);
            let mut cursor = log.oldest();
            for expected in kept {
                let Next::Event(entry) = log.next(&mut cursor) else { panic!("the log lost an event") };
                check_entry(entry.id, entry.frame, expected);
            }
            prop_assert_eq!(log.next(&mut cursor), Next::CaughtUp);
            prop_assert_eq!(log.last_id(), kept.last().map(|s| s.id.as_str()));
            // No more evicted than needed: when fewer events are kept than
            // were sent and than fit in count, the free bytes are at most
            // what one wrap wastes and one evicted event leaves.
            if log.len() < sent.len() && log.len() < EVENTS {
                prop_assert!(bytes + 2 * largest >= BYTES,
                    "{} bytes kept in {} with events of up to {}", bytes, BYTES, largest);
            }
        }
    }

    /// The queue never holds more than N, and hands out every item it kept,
    /// in order, with each run of dropped items reported once, before the
    /// items that followed it.
    #[test]
    fn the_queue_is_bounded_and_reports_every_drop(
        ops in prop::collection::vec(prop::option::of(any::<u16>()), 0..200),
        disconnect in any::<bool>(),
    ) {
        const N: usize = 4;
        let policy = if disconnect { Overflow::Disconnect } else { Overflow::DropOldest };
        let mut queue = Queue::<u16, N>::new(policy);
        let mut model: VecDeque<u16> = VecDeque::new();
        let mut dropped = 0u64;
        let mut closed = false;
        for op in ops {
            match op {
                Some(item) => {
                    let pushed = queue.push(item);
                    if closed {
                        prop_assert_eq!(pushed, Pushed::Disconnect(item));
                    } else if model.len() < N {
                        prop_assert_eq!(pushed, Pushed::Queued);
                        model.push_back(item);
                    } else if disconnect {
                        prop_assert_eq!(pushed, Pushed::Disconnect(item));
                        closed = true;
                    } else {
                        let oldest = model.pop_front().unwrap();
                        prop_assert_eq!(pushed, Pushed::DroppedOldest(oldest));
                        dropped += 1;
                        model.push_back(item);
                    }
                }
                None => {
                    let popped = queue.pop();
                    if dropped > 0 {
                        prop_assert_eq!(popped, Some(Popped::Gap { dropped }));
                        dropped = 0;
                    } else {
                        prop_assert_eq!(popped, model.pop_front().map(Popped::Item));
                    }
                }
            }
            prop_assert!(queue.len() <= N);
            prop_assert_eq!(queue.len(), model.len());
            prop_assert_eq!(queue.is_closed(), closed);
        }
    }

    /// The builder writes what the encoder writes for the same event, and
    /// refuses what the encoder refuses, with the same error.
    #[test]
    fn a_message_is_the_frame_it_describes(spec in spec(), bad_type in "[^\r\n]{0,4}[\r\n][^\r\n]{0,4}") {
        let Spec::Event { event_type, id, data } = &spec else { return Ok(()) };
        let mut message = Message::new();
        if let Some(event_type) = event_type {
            message = message.event(event_type);
        }
        if let Some(id) = id {
            message = message.id(id);
        }
        if let Some(data) = data {
            message = message.data(data);
        }
        let frame = spec.frame().encode_to_vec().unwrap();
        if event_type.is_none() && id.is_none() && data.is_none() {
            prop_assert_eq!(message.to_vec().unwrap(), b"");
        } else {
            prop_assert_eq!(message.clone().to_vec().unwrap(), frame);
        }
        // An error at any step wins over everything after it.
        let refused = Message::new().data("before").event(&bad_type).id("fine").data("after");
        prop_assert_eq!(refused.to_vec(), Err(EncodeError::LineBreakInEventType));
    }

    /// Data given in several calls is the lines of each, in order.
    #[test]
    fn data_calls_add_lines(parts in prop::collection::vec(multiline(), 1..4)) {
        let mut message = Message::new();
        for part in &parts {
            message = message.data(part);
        }
        let bytes = message.to_vec().unwrap();
        let mut parser = sse_wire::Parser::<4096, 64>::new();
        let outcome = drive(&mut parser, [&bytes[..]]);
        let joined = parts.iter().map(|p| common::frames::normalise(p)).collect::<Vec<_>>().join("\n");
        prop_assert_eq!(outcome.items, vec![common::event_item("message".into(), joined, String::new())]);
    }
}

#[test]
fn ids_are_assigned_in_order_and_given_ids_are_kept() {
    let mut log = ReplayLog::<_, 4>::new([0u8; 256]).with_first_id(41);
    let ids: Vec<String> = [None, Some("x-1"), None, Some("")]
        .into_iter()
        .map(|id| {
            let frame = Frame::Event {
                event_type: None,
                id,
                data: Some("d"),
            };
            log.append(&frame).unwrap().id.to_owned()
        })
        .collect();
    assert_eq!(ids, ["41", "x-1", "42", ""]);
    // An event whose ID is empty resets a client's ID: it cannot be
    // resumed from, and a client that has none starts live.
    assert_eq!(log.after(""), Ok(log.live()));
    assert_eq!(
        log.append(&Frame::Comment("not an event")),
        Err(AppendError::NotAnEvent)
    );
    assert_eq!(
        log.append(&Frame::Event {
            event_type: None,
            id: Some("a\0b"),
            data: None
        }),
        Err(AppendError::Encode(EncodeError::NulInId))
    );
}

#[test]
fn a_log_of_one_byte_too_few_refuses_and_a_log_that_fits_wraps_forever() {
    let frame = Frame::data("0123456789");
    let size = frame
        .encoded_len()
        .map(|len| len + "id: 1\n".len() + 1)
        .unwrap();
    let mut tight = ReplayLog::<_, 4>::new(vec![0u8; size - 1]);
    assert!(matches!(
        tight.append(&frame),
        Err(AppendError::TooLarge { .. })
    ));
    // Exactly one event's room: each append evicts the one before, at
    // every position of the ring.
    let mut exact = ReplayLog::<_, 4>::new(vec![0u8; size + 8]);
    for n in 0..100 {
        let entry = exact.append(&frame).unwrap();
        assert_eq!(entry.id, (n + 1).to_string());
        assert_eq!(exact.len(), 1, "after {n}");
    }
}

/// Every storage size from 0 to 120 bytes, with 1, 2 and 5 events at
/// most, under appends of every size up to one more than fits: the log
/// holds the newest events, exactly as encoded, within its bytes.
#[test]
#[cfg_attr(miri, ignore = "72,000 appends: too slow under miri")]
fn tiny_logs_at_every_size_keep_their_events_exact() {
    fn run<const EVENTS: usize>(capacity: usize) {
        let mut log = ReplayLog::<_, EVENTS>::new(vec![0u8; capacity]);
        let mut sent: Vec<Vec<u8>> = Vec::new();
        for n in 0..200usize {
            let data = "d".repeat((n * 7 + capacity) % (capacity + 2));
            let frame = Frame::data(&data);
            match log.append(&frame) {
                Ok(entry) => sent.push([entry.id.as_bytes(), entry.frame].concat()),
                Err(AppendError::TooLarge { needed }) => assert!(needed > capacity),
                Err(other) => panic!("{other:?}"),
            }
            let kept = &sent[sent.len() - log.len()..];
            assert!(log.len() <= EVENTS);
            assert!(kept.iter().map(Vec::len).sum::<usize>() <= capacity);
            let mut cursor = log.oldest();
            for expected in kept {
                let Next::Event(entry) = log.next(&mut cursor) else {
                    panic!("lost an event")
                };
                assert_eq!(&[entry.id.as_bytes(), entry.frame].concat(), expected);
            }
            assert_eq!(log.next(&mut cursor), Next::CaughtUp);
        }
    }
    for capacity in 0..120 {
        run::<1>(capacity);
        run::<2>(capacity);
        run::<5>(capacity);
    }
}

/// The IDs the log gives wrap after `u64::MAX` and are still found; after
/// a new count starts, the numbers before it are found too.
#[test]
fn numbers_are_found_across_the_wrap_and_a_new_count() {
    fn ids_after(log: &ReplayLog<[u8; 512], 4>, id: &str) -> Result<Vec<String>, Gap> {
        let mut cursor = log.after(id)?;
        let mut ids = Vec::new();
        while let Next::Event(entry) = log.next(&mut cursor) {
            ids.push(entry.id.to_owned());
        }
        Ok(ids)
    }
    let mut log = ReplayLog::<_, 4>::new([0u8; 512]).with_first_id(u64::MAX - 1);
    for _ in 0..4 {
        log.append(&Frame::data("x")).unwrap();
    }
    let max = u64::MAX.to_string();
    assert_eq!(ids_after(&log, &max), Ok(vec!["0".into(), "1".into()]));
    assert_eq!(ids_after(&log, "1"), Ok(vec![]));
    assert_eq!(ids_after(&log, "01"), Err(Gap));
    assert_eq!(ids_after(&log, "2"), Err(Gap));
    let mut log = log.with_first_id(100);
    log.append(&Frame::data("x")).unwrap();
    assert_eq!(ids_after(&log, "0"), Ok(vec!["1".into(), "100".into()]));
    assert_eq!(
        ids_after(&log, &max),
        Ok(vec!["0".into(), "1".into(), "100".into()])
    );
    // The event evicted last had a number of the old count, now searched
    // as a given ID: the log keeps no given ID it evicted, so that client
    // gets a gap (the cautious answer).
    assert_eq!(ids_after(&log, &(u64::MAX - 1).to_string()), Err(Gap));
}

/// A cursor from another log, past this one's newest event, reads from
/// now on: it does not wait, silent, for a position the log has not
/// reached and then skip what came before it.
#[test]
fn a_cursor_past_the_newest_event_reads_from_now_on() {
    let mut long = ReplayLog::<_, 4>::new([0u8; 256]);
    for _ in 0..10 {
        long.append(&Frame::data("x")).unwrap();
    }
    let mut foreign = long.live();
    let mut log = ReplayLog::<_, 4>::new([0u8; 256]);
    assert_eq!(log.next(&mut foreign), Next::CaughtUp);
    log.append(&Frame::data("first")).unwrap();
    let Next::Event(entry) = log.next(&mut foreign) else {
        panic!("the new event was skipped")
    };
    assert_eq!(entry.id, "1");
}

#[test]
fn keep_alive_waits_for_silence_and_never_runs_backwards() {
    let mut keep_alive = KeepAlive::new(100, 1_000);
    // Steady writes: never a comment.
    for now in (1_000..2_000).step_by(50) {
        keep_alive.wrote(now);
        assert_eq!(keep_alive.poll(now + 99), None);
    }
    // A clock reading from before the last write moves nothing.
    keep_alive.wrote(10);
    assert_eq!(keep_alive.due_at(), 2_050);
    // Silence: one comment per interval, however late the poll.
    assert!(keep_alive.poll(2_050).is_some());
    assert_eq!(keep_alive.poll(2_100), None);
    assert!(keep_alive.poll(9_000).is_some());
    assert_eq!(keep_alive.due_at(), 9_100);
    // The far future does not overflow, and the end of the clock is never.
    let mut forever = KeepAlive::new(u64::MAX, u64::MAX - 1);
    assert_eq!(forever.due_at(), u64::MAX);
    assert_eq!(forever.poll(u64::MAX), None);
    // An interval of 0 is off, not a comment per poll.
    let mut off = KeepAlive::new(0, 0);
    assert_eq!(off.due_at(), u64::MAX);
    assert_eq!(off.poll(1), None);
    assert_eq!(off.poll(u64::MAX), None);
}

#[test]
fn a_message_with_only_an_id_moves_the_last_event_id() {
    let bytes = Message::new().id("7").to_vec().unwrap();
    assert_eq!(bytes, b"id: 7\n\n");
    let mut parser = sse_wire::Parser::<64, 64>::new();
    let outcome = drive(&mut parser, [&bytes[..]]);
    assert!(outcome.items.is_empty());
    assert_eq!(outcome.last_event_id, "7");
    assert_eq!(
        Message::new().id("a\nb").data("x").to_vec(),
        Err(EncodeError::LineBreakInId)
    );
}

#[cfg(all(feature = "tokio", not(target_family = "wasm")))]
mod keep_alive_stream {
    use std::time::Duration;

    use futures_util::StreamExt;
    use sse_wire::server::{keep_alive, Message};

    /// A stream that sends an event every 5 s gets no comment with a 10 s
    /// keep-alive; after it goes quiet, one every 10 s; its end is the
    /// body's end.
    #[tokio::test(start_paused = true)]
    async fn comments_only_in_silence() {
        let busy = futures_util::stream::iter(0..6).then(|n| async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Message::new().data(n.to_string()).into_bytes()
        });
        let quiet = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_secs(35)).await;
            Message::new().data("end").into_bytes()
        });
        let body: Vec<String> = keep_alive(busy.chain(quiet), Duration::from_secs(10))
            .map(|item| String::from_utf8(item.unwrap().to_vec()).unwrap())
            .collect()
            .await;
        let mut expected: Vec<String> = (0..6).map(|n| format!("data: {n}\n\n")).collect();
        expected.extend([":\n", ":\n", ":\n", "data: end\n\n"].map(String::from));
        assert_eq!(body, expected);
    }

    /// `Duration::MAX` is "never": no overflow at the first event.
    #[tokio::test(start_paused = true)]
    async fn a_huge_interval_means_never() {
        let events = futures_util::stream::iter([Message::new().data("a").into_bytes()]);
        let body: Vec<_> = keep_alive(events, Duration::MAX).collect().await;
        assert_eq!(body.len(), 1);
    }

    /// `Duration::ZERO` turns keep-alive off: a quiet stream stays quiet,
    /// rather than a comment per poll.
    #[tokio::test(start_paused = true)]
    async fn a_zero_interval_is_off() {
        let quiet = futures_util::stream::pending::<Result<bytes::Bytes, ()>>();
        let mut body = Box::pin(keep_alive(quiet, Duration::ZERO));
        let waited = tokio::time::timeout(Duration::from_secs(3600), body.next()).await;
        assert!(waited.is_err(), "{waited:?}");
    }

    /// The wait starts when the body is first polled, not when it is made.
    #[tokio::test(start_paused = true)]
    async fn the_wait_starts_at_the_first_poll() {
        let quiet = futures_util::stream::pending::<Result<bytes::Bytes, ()>>();
        let mut body = Box::pin(keep_alive(quiet, Duration::from_secs(10)));
        tokio::time::sleep(Duration::from_secs(11)).await;
        let start = tokio::time::Instant::now();
        assert_eq!(body.next().await.unwrap().unwrap(), ":\n");
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    /// Once the inner stream ends, the body ends for good, without polling
    /// the inner stream again (which many streams forbid).
    #[tokio::test(start_paused = true)]
    async fn the_body_is_fused() {
        use futures_util::stream::FusedStream;
        let once = futures_util::stream::unfold(0, |n| async move {
            (n < 1).then(|| (Message::new().data("x").into_bytes(), n + 1))
        });
        let mut body = Box::pin(keep_alive(once, Duration::from_secs(1)));
        assert!(body.next().await.is_some());
        assert!(!body.is_terminated());
        assert!(body.next().await.is_none());
        assert!(body.is_terminated());
        assert!(body.next().await.is_none());
    }

    /// An error from the inner stream passes through unchanged.
    #[tokio::test(start_paused = true)]
    async fn errors_pass_through() {
        let inner =
            futures_util::stream::iter([Message::new().event("a\nb").data("x").into_bytes()]);
        let items: Vec<_> = keep_alive(inner, Duration::from_secs(1)).collect().await;
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }
}
