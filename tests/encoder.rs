//! The encoder's exact output, its refusals, and its output paths.

use sse_wire::{EncodeError, Encoder, Frame, Progress};

fn encode(frame: Frame<'_>) -> String {
    let mut out = String::new();
    frame.encode_fmt(&mut out).unwrap();
    out
}

#[test]
fn event_with_all_fields() {
    let frame = Frame::Event {
        event_type: Some("update"),
        id: Some("42"),
        data: Some("{\"a\":1}"),
    };
    assert_eq!(encode(frame), "event: update\nid: 42\ndata: {\"a\":1}\n\n");
}

#[test]
fn data_only_event() {
    assert_eq!(encode(Frame::data("hello")), "data: hello\n\n");
}

#[test]
fn every_kind_of_line_break_in_data_makes_a_data_line() {
    assert_eq!(
        encode(Frame::data("a\nb\rc\r\nd")),
        "data: a\ndata: b\ndata: c\ndata: d\n\n"
    );
}

#[test]
fn cr_in_data_cannot_inject_a_field() {
    // A lone CR is a line end to every parser: it must not let the rest of
    // the data become an `id` field.
    assert_eq!(
        encode(Frame::data("x\rid: injected")),
        "data: x\ndata: id: injected\n\n"
    );
}

#[test]
fn empty_data_is_one_empty_data_line() {
    assert_eq!(encode(Frame::data("")), "data:\n\n");
}

#[test]
fn empty_lines_in_data_are_kept() {
    assert_eq!(encode(Frame::data("\n")), "data:\ndata:\n\n");
    assert_eq!(
        encode(Frame::data("a\n\nb\n")),
        "data: a\ndata:\ndata: b\ndata:\n\n"
    );
}

#[test]
fn leading_space_in_data_survives_the_one_space_rule() {
    assert_eq!(encode(Frame::data(" x")), "data:  x\n\n");
}

#[test]
fn id_only_block_has_no_data_line() {
    let frame = Frame::Event {
        event_type: None,
        id: Some("7"),
        data: None,
    };
    assert_eq!(encode(frame), "id: 7\n\n");
}

#[test]
fn empty_id_is_written_to_reset_the_client() {
    let frame = Frame::Event {
        event_type: None,
        id: Some(""),
        data: Some("x"),
    };
    assert_eq!(encode(frame), "id: \ndata: x\n\n");
}

#[test]
fn comments() {
    assert_eq!(encode(Frame::Comment("keep-alive")), ": keep-alive\n");
    assert_eq!(encode(Frame::Comment("")), ":\n");
    assert_eq!(encode(Frame::Comment("a\r\nb\rc")), ": a\n: b\n: c\n");
    assert_eq!(encode(Frame::Comment("a\n")), ": a\n:\n");
}

#[test]
fn retry_values() {
    assert_eq!(encode(Frame::Retry(0)), "retry: 0\n");
    assert_eq!(encode(Frame::Retry(7)), "retry: 7\n");
    assert_eq!(encode(Frame::Retry(10)), "retry: 10\n");
    assert_eq!(encode(Frame::Retry(3000)), "retry: 3000\n");
    assert_eq!(encode(Frame::Retry(1_000_000_000)), "retry: 1000000000\n");
    assert_eq!(encode(Frame::Retry(u32::MAX.into())), "retry: 4294967295\n");
    assert_eq!(encode(Frame::Retry(1 << 32)), "retry: 4294967296\n");
    assert_eq!(
        encode(Frame::Retry(10_000_000_000_000_000_000)),
        "retry: 10000000000000000000\n"
    );
    assert_eq!(
        encode(Frame::Retry(u64::MAX)),
        "retry: 18446744073709551615\n"
    );
}

#[test]
fn retry_matches_display_for_many_values() {
    let mut value = 1u64;
    while value < u64::MAX / 3 {
        for v in [value - 1, value, value + 1] {
            assert_eq!(encode(Frame::Retry(v)), format!("retry: {v}\n"));
        }
        value *= 3;
    }
    for v in [u64::MAX - 1, u64::MAX] {
        assert_eq!(encode(Frame::Retry(v)), format!("retry: {v}\n"));
    }
}

/// Every power of ten, and one less, since the digit count changes there.
#[test]
fn retry_matches_display_at_every_power_of_ten() {
    let mut power = 1u64;
    loop {
        for v in [power - 1, power, power + 1] {
            let text = format!("retry: {v}\n");
            assert_eq!(encode(Frame::Retry(v)), text);
            assert_eq!(Frame::Retry(v).encoded_len(), Ok(text.len()));
        }
        match power.checked_mul(10) {
            Some(next) => power = next,
            None => break,
        }
    }
}

fn all_errors() -> [(Frame<'static>, EncodeError); 5] {
    let event = |event_type, id| Frame::Event {
        event_type,
        id,
        data: Some("x"),
    };
    [
        (event(Some("a\nb"), None), EncodeError::LineBreakInEventType),
        (event(Some("a\rb"), None), EncodeError::LineBreakInEventType),
        (event(None, Some("1\n")), EncodeError::LineBreakInId),
        (event(None, Some("\r1")), EncodeError::LineBreakInId),
        (event(None, Some("1\u{0}2")), EncodeError::NulInId),
    ]
}

#[test]
fn every_error_is_reported_by_every_output_path() {
    for (frame, error) in all_errors() {
        assert_eq!(frame.validate(), Err(error));
        assert_eq!(frame.encoded_len(), Err(error));
        let mut buf = [0u8; 64];
        assert_eq!(frame.encode_to_slice(&mut buf), Err(error));
        assert_eq!(buf, [0u8; 64], "nothing written for {error:?}");
        let mut text = String::new();
        assert_eq!(frame.encode_fmt(&mut text), Err(error));
        assert!(text.is_empty());
        assert_eq!(Encoder::new(&frame).err(), Some(error));
    }
}

#[test]
fn errors_explain_themselves() {
    for (_, error) in all_errors() {
        let message = error.to_string();
        assert!(message.starts_with("event "), "{message}");
    }
    assert_eq!(
        EncodeError::BufferTooSmall { needed: 9 }.to_string(),
        "output buffer too small: the frame needs 9 bytes"
    );
}

#[test]
fn too_small_slice_says_how_much_is_needed() {
    let frame = Frame::Event {
        event_type: Some("t"),
        id: Some("1"),
        data: Some("abc\ndef"),
    };
    let needed = frame.encoded_len().unwrap();
    for size in 0..needed {
        let mut buf = vec![0u8; size];
        assert_eq!(
            frame.encode_to_slice(&mut buf),
            Err(EncodeError::BufferTooSmall { needed }),
            "size {size}"
        );
    }
    let mut buf = vec![0u8; needed];
    assert_eq!(frame.encode_to_slice(&mut buf), Ok(needed));
    let mut bigger = vec![0u8; needed + 5];
    assert_eq!(frame.encode_to_slice(&mut bigger), Ok(needed));
    assert_eq!(&bigger[..needed], &buf[..]);
}

#[test]
fn fmt_errors_are_reported() {
    let mut small: heapless::String<4> = heapless::String::new();
    assert_eq!(
        Frame::data("too long").encode_fmt(&mut small),
        Err(EncodeError::Fmt)
    );
}

#[test]
fn one_byte_output_buffers_give_the_same_bytes() {
    let frame = Frame::Event {
        event_type: Some("é"),
        id: Some("9"),
        data: Some("line\r\nline 2 €"),
    };
    let mut whole = vec![0u8; frame.encoded_len().unwrap()];
    frame.encode_to_slice(&mut whole).unwrap();
    let mut encoder = Encoder::new(&frame).unwrap();
    let mut out = Vec::new();
    let mut remaining = whole.len();
    loop {
        assert_eq!(encoder.remaining_len(), remaining);
        let mut byte = [0u8; 1];
        let (progress, n) = encoder.encode(&mut byte);
        out.extend_from_slice(&byte[..n]);
        remaining -= n;
        match progress {
            Progress::Done => break,
            Progress::OutputFull => assert_eq!(n, 1),
        }
    }
    assert_eq!(out, whole);
    assert_eq!(encoder.remaining_len(), 0);
}

/// The remaining length is kept as a count: after every step of every size
/// it and the bytes written so far add up to the frame's length, for large
/// frames of every kind, and a clone taken midway keeps its own count.
#[test]
fn remaining_len_plus_written_is_the_encoded_len_at_every_step() {
    let breaks = ["\n", "\r", "\r\n"];
    // Fewer lines under miri, which interprets every step.
    let lines = if cfg!(miri) { 30 } else { 3000 };
    let data: String = (0..lines)
        .map(|i| format!("line {i} é{}", breaks[i % 3]))
        .collect();
    let frames = [
        Frame::data(&data),
        Frame::Event {
            event_type: Some("bulk"),
            id: Some("12"),
            data: Some(&data),
        },
        Frame::Comment(&data),
        Frame::Retry(u64::MAX),
    ];
    for frame in frames {
        let len = frame.encoded_len().unwrap();
        let mut whole = vec![0u8; len];
        assert_eq!(frame.encode_to_slice(&mut whole), Ok(len));
        for step in [1, 7, 64] {
            let mut encoder = Encoder::new(&frame).unwrap();
            assert_eq!(encoder.remaining_len(), len);
            let mut out = Vec::new();
            let mut buf = vec![0u8; step];
            let mut midway = None;
            loop {
                let (progress, n) = encoder.encode(&mut buf);
                out.extend_from_slice(&buf[..n]);
                assert_eq!(encoder.remaining_len() + out.len(), len, "step {step}");
                if midway.is_none() && out.len() >= len / 2 {
                    midway = Some((encoder.clone(), out.len()));
                }
                if progress == Progress::Done {
                    break;
                }
            }
            assert_eq!(out, whole);
            assert_eq!(encoder.encode(&mut buf), (Progress::Done, 0));
            assert_eq!(encoder.remaining_len(), 0);

            let (mut clone, at) = midway.unwrap();
            assert_eq!(clone.remaining_len(), len - at);
            let mut rest = vec![0u8; len - at];
            assert_eq!(clone.encode(&mut rest), (Progress::Done, len - at));
            assert_eq!(rest, whole[at..]);
            assert_eq!(clone.remaining_len(), 0);
        }
    }
}

#[test]
fn finished_encoder_writes_nothing_more() {
    let mut encoder = Encoder::new(&Frame::Retry(1)).unwrap();
    let mut buf = [0u8; 32];
    assert_eq!(encoder.encode(&mut buf), (Progress::Done, 9));
    assert_eq!(encoder.encode(&mut buf), (Progress::Done, 0));
}

#[test]
fn empty_output_buffer_makes_no_progress() {
    let mut encoder = Encoder::new(&Frame::data("x")).unwrap();
    assert_eq!(encoder.encode(&mut []), (Progress::OutputFull, 0));
    assert_eq!(encoder.remaining_len(), "data: x\n\n".len());
}

#[test]
fn exact_fit_reports_done() {
    let frame = Frame::data("x");
    let mut encoder = Encoder::new(&frame).unwrap();
    let mut buf = [0u8; 9];
    assert_eq!(encoder.encode(&mut buf), (Progress::Done, 9));
}
