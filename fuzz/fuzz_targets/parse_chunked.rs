//! Arbitrary bytes and an arbitrary chunk plan: no panic, and the events,
//! retries, comments, errors and last event ID are the same as for the whole
//! input at once and for one byte per call, with roomy and small buffers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire_fuzz::common::drive;
use sse_wire_fuzz::{chunks, plan_and_stream, Roomy, Small};

fuzz_target!(|data: &[u8]| {
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
