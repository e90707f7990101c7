//! Arbitrary bytes and an arbitrary chunk plan: no panic, and the events,
//! retries, comments, errors and last event ID are the same as for the whole
//! input at once and for one byte per call, with roomy and small buffers.
//!
//! Only the first [`MAX_INPUT`] bytes of an input are read. The two passes of
//! one byte per call cost several times what the other four do, in proportion
//! to the length, so the length of the inputs sets the speed of a campaign.
//! Within the limit every buffer of the small parser and the type and ID
//! buffers of the roomy one can overflow; the roomy parser's data buffer
//! (4096 bytes) cannot: the `differential` target overflows that one, against
//! the reference model. `.ci/run` passes the same `-max_len`, so that
//! libFuzzer makes no longer inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire_fuzz::common::drive;
use sse_wire_fuzz::{chunks, plan_and_stream, Roomy, Small};

/// The longest input read; the rest of a longer one is ignored.
const MAX_INPUT: usize = 1024;

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(MAX_INPUT)];
    let (cuts, stream) = plan_and_stream(data);
    let pieces = chunks(stream, &cuts);

    let whole = drive(&mut Roomy::new().with_comments(true), [stream]);
    assert_eq!(
        drive(
            &mut Roomy::new().with_comments(true),
            pieces.iter().copied()
        ),
        whole
    );
    assert_eq!(
        drive(&mut Roomy::new().with_comments(true), stream.chunks(1)),
        whole
    );

    let whole = drive(&mut Small::new().with_comments(true), [stream]);
    assert_eq!(
        drive(
            &mut Small::new().with_comments(true),
            pieces.iter().copied()
        ),
        whole
    );
    assert_eq!(
        drive(&mut Small::new().with_comments(true), stream.chunks(1)),
        whole
    );
});
