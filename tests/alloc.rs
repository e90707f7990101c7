//! Parsing and encoding allocate nothing: a counting global allocator sees
//! no allocation on this thread while a whole stream goes through.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use sse_wire::{Encoder, Frame, Parser, Progress, Status};

struct Counting;

thread_local! {
    /// Count this thread's allocations (tests run on several threads).
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    /// This thread's allocations while watching.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    if WATCHING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY (for the test only; the crate itself has no unsafe code): every
// call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `work` and returns how many allocations it made on this thread.
fn allocations_in(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    WATCHING.with(|w| w.set(true));
    work();
    WATCHING.with(|w| w.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    let count = allocations_in(|| {
        let v: Vec<u8> = Vec::with_capacity(16);
        std::hint::black_box(v);
    });
    assert_eq!(count, 1);
}

fn stream() -> Vec<u8> {
    let mut s = b"\xEF\xBB\xBFretry: 1000\r\n".to_vec();
    for i in 0..500 {
        s.extend_from_slice(
            format!("event: delta\r\nid: {i}\r\ndata: {{\"tok\":\"h\u{e9}\"}}\r\n: ka\r\n\r\n")
                .as_bytes(),
        );
    }
    s.extend_from_slice(b"data: \xFF\xE2\x82\n\ndata: ");
    s.extend_from_slice(&[b'x'; 300]);
    s.extend_from_slice(b"\n\n");
    s
}

#[test]
fn parsing_allocates_nothing() {
    let input = stream();
    let mut parser = Parser::<256, 16>::new().with_comments(true);
    let mut events = 0;
    let mut errors = 0;
    let count = allocations_in(|| {
        for chunk in input.chunks(7) {
            let mut rest = chunk;
            loop {
                match parser.next(&mut rest) {
                    Ok(Status::NeedInput) => break,
                    Ok(Status::Event(_)) => events += 1,
                    Ok(_) => {}
                    Err(_) => errors += 1,
                }
            }
        }
    });
    assert_eq!((events, errors), (501, 1));
    assert_eq!(count, 0);
}

#[test]
fn encoding_allocates_nothing() {
    let data = "line one\r\nline two\rline three \u{20ac}".repeat(20);
    let frames = [
        Frame::Retry(1500),
        Frame::Comment("keep\nalive"),
        Frame::Event {
            event_type: Some("delta"),
            id: Some("17"),
            data: Some(&data),
        },
    ];
    let mut slice = [0u8; 4096];
    let mut text: heapless::String<4096> = heapless::String::new();
    let mut written = 0;
    let count = allocations_in(|| {
        for frame in &frames {
            let len = frame.encoded_len().unwrap();
            assert_eq!(frame.encode_to_slice(&mut slice).unwrap(), len);
            frame.encode_fmt(&mut text).unwrap();
            let mut encoder = Encoder::new(frame).unwrap();
            let mut tx = [0u8; 16];
            loop {
                let (progress, n) = encoder.encode(&mut tx);
                written += n;
                if progress == Progress::Done {
                    break;
                }
            }
        }
    });
    assert_eq!(written, text.len());
    assert_eq!(count, 0);
}
