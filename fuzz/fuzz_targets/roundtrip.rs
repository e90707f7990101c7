//! Arbitrary events, comments and retries: encoded whole, through `fmt`, and
//! incrementally with an arbitrary output buffer size, all paths give the
//! same bytes and the predicted length is exact; parsing the bytes gives the
//! frames back, normalised (line breaks as LF, empty type as `message`).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sse_wire_fuzz::common::drive;
use sse_wire_fuzz::common::frames::{encode_every_way, expected};
use sse_wire_fuzz::Huge;

fuzz_target!(|data: &[u8]| {
    if data.len() > sse_wire_fuzz::MAX_FRAME_INPUT {
        return;
    }
    let mut u = Unstructured::new(data);
    let out_size = u.bytes(1).map_or(1, |b| usize::from(b[0]) + 1);
    let mut specs = sse_wire_fuzz::frames(&mut u);
    // Invalid frames are encode_untrusted's business: here they must be
    // refused, and are left out.
    specs.retain(|spec| spec.frame().validate().is_ok());
    let mut stream = Vec::new();
    for spec in &specs {
        stream.extend(encode_every_way(&spec.frame(), out_size));
    }
    let want = expected(&specs);
    assert_eq!(
        drive(
            &mut Box::new(Huge::new()).with_comments(true),
            [&stream[..]]
        ),
        want
    );
    assert_eq!(
        drive(
            &mut Box::new(Huge::new()).with_comments(true),
            stream.chunks(out_size)
        ),
        want
    );
});
