//! The event parser against the plain reference model of `tests/reference`:
//! the same events, retries, comments and last event ID; and capacity errors
//! exactly where a value really exceeded its capacity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire_fuzz::common::{drive, reference};
use sse_wire_fuzz::{Roomy, Small, ROOMY, SMALL};

fuzz_target!(|stream: &[u8]| {
    assert_eq!(
        drive(&mut Roomy::new().with_comments(true), [stream]),
        reference::parse(stream, ROOMY)
    );
    assert_eq!(
        drive(&mut Small::new().with_comments(true), [stream]),
        reference::parse(stream, SMALL)
    );
    let quiet = sse_wire_fuzz::common::Limits {
        comments: false,
        ..SMALL
    };
    assert_eq!(
        drive(&mut Small::new(), [stream]),
        reference::parse(stream, quiet)
    );
});
