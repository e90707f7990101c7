//! Code-size probe, with sse-wire: parses a stream (comments on, so every
//! path is in) and encodes each event back through a 32-byte buffer, with
//! the length computed up front. `.text` minus that of `size_base` is what
//! the parser and encoder add to a firmware.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use sse_wire::{Encoder, Frame, Parser, Progress, Status};

#[path = "../probe.rs"]
mod probe;

#[entry]
fn main() -> ! {
    let mut parser = Parser::<256, 32>::new().with_comments(true);
    loop {
        let mut input: &[u8] = black_box(probe::STREAM);
        loop {
            match parser.next(&mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => {
                    let frame = Frame::Event {
                        event_type: Some(event.event_type()),
                        id: Some(event.last_event_id()),
                        data: Some(event.data()),
                    };
                    black_box(frame.encoded_len().ok());
                    if let Ok(mut encoder) = Encoder::new(&frame) {
                        let mut tx = [0u8; 32];
                        loop {
                            let (progress, n) = encoder.encode(&mut tx);
                            black_box(&tx[..n]);
                            if progress == Progress::Done {
                                break;
                            }
                        }
                    }
                }
                Ok(other) => {
                    let _ = black_box(other);
                }
                Err(error) => {
                    black_box(error);
                }
            }
        }
    }
}
