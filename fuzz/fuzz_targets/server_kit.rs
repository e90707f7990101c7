//! The server kit's replay log and queue under arbitrary operations: a log
//! of small, odd-sized storage takes appends of any size, resumes from any
//! ID and reads at any pace. It never panics, never holds more than its
//! bounds, always holds the newest events in order with the bytes the
//! encoder writes for them, and tells each reader exactly what it missed.
#![no_main]

use std::collections::VecDeque;

use libfuzzer_sys::fuzz_target;
use sse_wire::server::{Cursor, Next, Overflow, Popped, Pushed, Queue, ReplayLog};
use sse_wire::Frame;

const EVENTS: usize = 6;

/// An event as the model keeps it.
struct Sent {
    id: String,
    data: String,
    assigned: bool,
}

fn encoded(sent: &Sent) -> Vec<u8> {
    let frame = Frame::Event {
        event_type: None,
        id: Some(&sent.id),
        data: Some(&sent.data),
    };
    let mut buf = vec![0; frame.encoded_len().unwrap()];
    frame.encode_to_slice(&mut buf).unwrap();
    buf
}

fuzz_target!(|input: &[u8]| {
    let Some((&size, mut ops)) = input.split_first() else {
        return;
    };
    let storage = vec![0u8; usize::from(size) * 2 + 1];
    let capacity = storage.len();
    let mut log = ReplayLog::<_, EVENTS>::new(storage);
    let mut sent: Vec<Sent> = Vec::new();
    let mut next_id = 1u64;
    let mut readers = [(log.live(), 0u64); 2];
    let mut queue = Queue::<u8, 3>::new(Overflow::DropOldest);
    let mut queued: VecDeque<u8> = VecDeque::new();
    let mut dropped = 0u64;

    while let [op, arg, rest @ ..] = ops {
        ops = rest;
        match op % 5 {
            0 | 1 => {
                // Data of `arg` bytes (lines of letters); an ID given when
                // the op is 1.
                let data: String = (0..*arg)
                    .map(|n| if n % 17 == 16 { '\n' } else { 'x' })
                    .collect();
                let given = (op % 5 == 1).then(|| format!("g{}", arg % 7));
                let frame = Frame::Event {
                    event_type: None,
                    id: given.as_deref(),
                    data: Some(&data),
                };
                let id = given.clone().unwrap_or_else(|| next_id.to_string());
                let model = Sent {
                    id,
                    data: data.clone(),
                    assigned: given.is_none(),
                };
                let needed = model.id.len() + encoded(&model).len();
                match log.append(&frame) {
                    Ok(entry) => {
                        assert!(needed <= capacity);
                        assert_eq!(entry.frame, &encoded(&model)[..]);
                        if given.is_none() {
                            next_id += 1;
                        }
                        sent.push(model);
                    }
                    Err(_) => assert!(needed > capacity),
                }
            }
            2 => {
                // Resume from the ID `arg` events back, or an unknown one.
                let back = usize::from(*arg);
                let id = sent
                    .len()
                    .checked_sub(back + 1)
                    .map_or("unknown".to_owned(), |at| sent[at].id.clone());
                let kept = &sent[sent.len() - log.len()..];
                // The event just before the oldest kept, when the log gave
                // its ID: resuming from it misses nothing kept.
                let evicted_last = (sent.len() > log.len())
                    .then(|| &sent[sent.len() - log.len() - 1])
                    .filter(|s| s.assigned && s.id == id);
                match log.after(&id) {
                    Ok(mut cursor) => {
                        let from = match kept.iter().rposition(|s| s.id == id) {
                            Some(at) => at + 1,
                            None => {
                                assert!(evicted_last.is_some(), "resumed from an ID not kept");
                                0
                            }
                        };
                        for expected in &kept[from..] {
                            let Next::Event(entry) = log.next(&mut cursor) else {
                                panic!("resume ended early")
                            };
                            assert_eq!(entry.frame, &encoded(expected)[..]);
                        }
                        assert_eq!(log.next(&mut cursor), Next::CaughtUp);
                    }
                    Err(_) => assert!(!kept.iter().any(|s| s.id == id) && evicted_last.is_none()),
                }
            }
            3 => {
                let (cursor, expect): &mut (Cursor, u64) = &mut readers[usize::from(arg & 1)];
                for _ in 0..(arg >> 1) % 8 {
                    let oldest = (sent.len() - log.len()) as u64;
                    match log.next(cursor) {
                        Next::Event(entry) => {
                            assert_eq!(entry.frame, &encoded(&sent[*expect as usize])[..]);
                            *expect += 1;
                        }
                        Next::Missed(missed) => {
                            assert_eq!(*expect + missed, oldest);
                            *expect = oldest;
                        }
                        Next::CaughtUp => {
                            assert_eq!(*expect, sent.len() as u64);
                            break;
                        }
                    }
                }
            }
            _ => {
                if arg & 1 == 0 {
                    match queue.push(*arg) {
                        Pushed::Queued => queued.push_back(*arg),
                        Pushed::DroppedOldest(old) => {
                            assert_eq!(queued.pop_front(), Some(old));
                            queued.push_back(*arg);
                            dropped += 1;
                        }
                        Pushed::Disconnect(_) => panic!("DropOldest never disconnects"),
                    }
                } else {
                    match queue.pop() {
                        Some(Popped::Gap { dropped: n }) => {
                            assert_eq!(n, dropped);
                            dropped = 0;
                        }
                        Some(Popped::Item(item)) => {
                            assert_eq!(dropped, 0);
                            assert_eq!(queued.pop_front(), Some(item));
                        }
                        None => assert!(queued.is_empty() && dropped == 0),
                    }
                }
                assert!(queue.len() <= 3);
            }
        }
        // The bounds, and the newest events in order.
        assert!(log.len() <= EVENTS);
        let kept = &sent[sent.len() - log.len()..];
        assert!(
            kept.iter()
                .map(|s| s.id.len() + encoded(s).len())
                .sum::<usize>()
                <= capacity
        );
        let mut cursor = log.oldest();
        for expected in kept {
            let Next::Event(entry) = log.next(&mut cursor) else {
                panic!("the log lost an event")
            };
            assert_eq!(entry.id, expected.id);
            assert_eq!(entry.frame, &encoded(expected)[..]);
        }
        assert_eq!(log.next(&mut cursor), Next::CaughtUp);
    }
});
