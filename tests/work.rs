//! Work per input byte is bounded, whatever the line length, event size or
//! chunking; counted, not timed.
//!
//! The lexer holds no input between calls, so it cannot rescan: each call
//! consumes the bytes it looks at. What could rescan are the buffers, so
//! these tests give the parser counting buffers that charge every byte
//! written and every byte exposed through `as_bytes()` (as if it were read
//! again), and check the total stays under a fixed multiple of the input.
//! A path that re-read buffered text per chunk or per line, as a parser that
//! searches its buffer for a line end does, would blow the bound.

use std::cell::Cell;
use std::rc::Rc;

use sse_wire::{Buffer, EventParser, Full, Lexer, Status, Token};

/// Capped bytes that count the bytes they are asked to write or show.
#[derive(Clone, Debug)]
struct Counting {
    text: Vec<u8>,
    cap: usize,
    work: Rc<Cell<usize>>,
}

impl Counting {
    fn charge(&self, bytes: usize) {
        self.work.set(self.work.get() + bytes);
    }
}

impl Buffer for Counting {
    fn as_bytes(&self) -> &[u8] {
        self.charge(self.text.len());
        &self.text
    }
    fn bytes_from(&self, start: usize) -> &[u8] {
        let tail = self.text.get(start..).unwrap_or_default();
        self.charge(tail.len());
        tail
    }
    fn len(&self) -> usize {
        self.text.len()
    }
    fn try_extend(&mut self, bytes: &[u8]) -> Result<(), Full> {
        self.charge(bytes.len());
        if self.text.len() + bytes.len() > self.cap {
            return Err(Full);
        }
        self.text.extend_from_slice(bytes);
        Ok(())
    }
    fn truncate(&mut self, len: usize) {
        self.text.truncate(len);
    }
    fn clear(&mut self) {
        self.text.clear();
    }
    fn capacity(&self) -> usize {
        self.cap
    }
}

struct Run {
    work: usize,
    calls: usize,
    events: usize,
    errors: usize,
}

/// Parses `input` in `chunk`-byte chunks with counting buffers.
fn run(input: &[u8], chunk: usize, data_cap: usize, comments: bool) -> Run {
    let work = Rc::new(Cell::new(0));
    let buffer = |cap| Counting {
        text: Vec::new(),
        cap,
        work: work.clone(),
    };
    let mut parser =
        EventParser::with_buffers(buffer(data_cap), buffer(64)).with_comments(comments);
    let (mut calls, mut events, mut errors) = (0, 0, 0);
    for piece in input.chunks(chunk) {
        let mut rest = piece;
        loop {
            calls += 1;
            match parser.next(&mut rest) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(_)) => events += 1,
                Ok(_) => {}
                Err(_) => errors += 1,
            }
        }
    }
    Run {
        work: work.get(),
        calls,
        events,
        errors,
    }
}

/// Checks the work bound for `input` fed in 1 KiB chunks and bytewise.
fn assert_linear(input: &[u8], data_cap: usize, comments: bool) -> Run {
    let mut first = None;
    for chunk in [1024, 1] {
        let r = run(input, chunk, data_cap, comments);
        // Each byte is written once and each dispatched event shown once;
        // with a comment shown as it ends, that is at most twice per byte.
        assert!(
            r.work <= 2 * input.len() + 64,
            "{} units of work for {} bytes in {chunk}-byte chunks",
            r.work,
            input.len()
        );
        // One call per chunk plus one per report, at most.
        let chunks = input.len().div_ceil(chunk);
        assert!(r.calls <= chunks + r.events + r.errors + input.len() / 2 + 1);
        first.get_or_insert(r);
    }
    first.unwrap()
}

#[test]
fn a_long_line_without_end() {
    let mut input = b"data: ".to_vec();
    input.resize(4 << 20, b'x');
    let r = assert_linear(&input, 8 << 20, false);
    assert_eq!((r.events, r.errors), (0, 0));
}

#[test]
fn a_long_line_that_overflows() {
    let mut input = b"data: ".to_vec();
    input.resize(4 << 20, b'x');
    input.extend_from_slice(b"\n\ndata: after\n\n");
    let r = assert_linear(&input, 1 << 16, false);
    assert_eq!((r.events, r.errors), (1, 1));
}

#[test]
fn many_bare_crs() {
    let r = assert_linear(&vec![b'\r'; 1 << 20], 1024, false);
    assert_eq!(r.events, 0);
}

#[test]
fn many_data_lines_in_one_event() {
    let mut input = b"data: x\n".repeat(1 << 17);
    input.push(b'\n');
    let r = assert_linear(&input, 1 << 20, false);
    assert_eq!((r.events, r.errors), (1, 0));
}

#[test]
fn many_comment_lines_inside_a_large_event() {
    // Each comment is kept after the event's data; only the comment may be
    // charged, never the data before it.
    let mut input = b"data: ".to_vec();
    input.resize(1 << 16, b'y');
    input.push(b'\n');
    input.extend(b": keep-alive\n".repeat(1 << 16));
    input.push(b'\n');
    let r = assert_linear(&input, 1 << 17, true);
    assert_eq!(r.events, 1);
}

#[test]
fn long_unknown_field_names() {
    let mut input = Vec::new();
    for _ in 0..64 {
        input.extend(std::iter::repeat_n(b'z', 1 << 14));
        input.extend_from_slice(b": v\n");
    }
    input.extend_from_slice(b"data: ok\n\n");
    let r = assert_linear(&input, 1024, false);
    assert_eq!(r.events, 1);
}

#[test]
fn lexer_consumes_input_with_every_token() {
    // The lexer never holds bytes back, so it cannot look at them twice:
    // every token but NeedInput consumes at least one byte, except the
    // empty end of a line whose line end came with the previous token.
    let mut input = b"data: a\r\n\r\n: c\rid\nevent:\n".repeat(100);
    input.extend(b"retry: 1".repeat(10));
    for chunk in [1, 3, 1024] {
        let mut lexer = Lexer::new();
        let mut tokens = 0;
        for piece in input.chunks(chunk) {
            let mut rest = piece;
            loop {
                let before = rest.len();
                let token = lexer.next(&mut rest);
                if token == Token::NeedInput {
                    break;
                }
                tokens += 1;
                assert!(rest.len() < before, "{token:?} consumed nothing");
            }
        }
        assert!(tokens <= input.len());
    }
}
