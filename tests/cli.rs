//! The `sse` example's command-line contract (DESIGN.md), run as a process.
#![cfg(not(any(miri, target_os = "wasi")))]

use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

mod common;

/// The example binary, built once.
fn binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| common::examples::build("sse", &[]))
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    std::thread::scope(|scope| {
        // Written beside the reads of its output, so that a large input and
        // a large output never wait on each other; a program that stops
        // early closes its end, and the rest of the input is not wanted.
        scope.spawn(move || match pipe.write_all(stdin) {
            Err(e) if e.kind() != ErrorKind::BrokenPipe => panic!("writing stdin: {e}"),
            _ => {}
        });
        child.wait_with_output().unwrap()
    })
}

fn stdout(output: &Output) -> &str {
    std::str::from_utf8(&output.stdout).unwrap()
}

fn stderr(output: &Output) -> &str {
    std::str::from_utf8(&output.stderr).unwrap()
}

const SAMPLE: &[u8] = include_bytes!("../examples/streams/llm.sse");

#[test]
fn decode_prints_events_retries_and_last_event_id() {
    let output = run(
        &["decode"],
        b"retry: 10\nid: 1\nevent: e\ndata: a\ndata: \"b\"\n\nid: 2\n\nid: 3\ndata: tail\n",
    );
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        "{\"retry\":10}\n{\"type\":\"e\",\"data\":\"a\\n\\\"b\\\"\",\"id\":\"1\"}\n{\"last_event_id\":\"2\"}\n"
    );
}

#[test]
fn decode_output_does_not_depend_on_chunk_size() {
    let whole = run(&["decode"], SAMPLE);
    assert!(whole.status.success());
    assert_eq!(stdout(&whole).lines().count(), 7);
    for chunk in ["1", "2", "3", "7", "64"] {
        let chunked = run(&["decode", "--chunk", chunk], SAMPLE);
        assert_eq!(stdout(&chunked), stdout(&whole), "--chunk {chunk}");
    }
    assert_eq!(
        stdout(&run(&["decode", "--chunk=5"], SAMPLE)),
        stdout(&whole)
    );
}

#[test]
fn decode_of_empty_input_prints_the_empty_last_event_id() {
    let output = run(&["decode"], b"");
    assert_eq!(stdout(&output), "{\"last_event_id\":\"\"}\n");
}

#[test]
fn decode_replaces_invalid_utf8_and_escapes_control_characters() {
    let output = run(&["decode"], b"data: \xFF\x01\t\n\n");
    assert_eq!(
        stdout(&output).lines().next().unwrap(),
        "{\"type\":\"message\",\"data\":\"\u{fffd}\\u0001\\t\",\"id\":\"\"}"
    );
}

#[test]
fn bad_arguments_are_refused() {
    for args in [
        &["decode", "--chunk", "0"][..],
        &["decode", "--chunk", "x"],
        &["decode", "--chunk"],
        &["decode", "--bogus"],
        &["encode", "extra"],
        &["frobnicate"],
        &[],
    ] {
        let output = run(args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains("usage"), "{args:?}");
    }
}

#[test]
fn chunk_sizes_out_of_range_are_usage_errors() {
    // Zero; one past the largest, 16 MiB; one too large to allocate; and
    // u64::MAX, too large for any buffer.
    for chunk in [
        "0",
        "16777217",
        "99999999999",
        "18446744073709551615",
        "18446744073709551616",
        "-1",
    ] {
        let joined = format!("--chunk={chunk}");
        for args in [&["decode", "--chunk", chunk][..], &["decode", &joined]] {
            let output = run(args, SAMPLE);
            assert_eq!(output.status.code(), Some(2), "{args:?}");
            assert_eq!(stdout(&output), "", "{args:?}");
            let err = stderr(&output);
            assert!(
                err.contains("from 1 to 16777216") && err.contains("usage:"),
                "{args:?}: {err}"
            );
        }
    }
}

#[test]
fn the_largest_chunk_size_is_accepted() {
    let output = run(&["decode", "--chunk", "16777216"], SAMPLE);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), stdout(&run(&["decode"], SAMPLE)));
}

#[test]
fn help_prints_the_usage_and_exits_0() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["decode", "--help"],
        &["encode", "--help"],
    ] {
        let output = run(args, b"");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let out = stdout(&output);
        assert!(out.starts_with("usage: sse decode [--chunk N]"), "{out}");
        assert!(
            out.contains("sse encode") && out.contains("16777216"),
            "{out}"
        );
        assert_eq!(stderr(&output), "", "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let output = Command::new(binary())
        .arg("decode")
        .arg(std::ffi::OsStr::from_bytes(b"--chunk=\xFF"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("usage:"), "{}", stderr(&output));
}

#[test]
fn encode_writes_comments_retries_events_and_id_only_blocks() {
    let input = concat!(
        "{\"comment\":\"hi\"}\n",
        "{\"retry\":1500}\n",
        "{\"type\":\"t\",\"data\":\"a\\nb\",\"id\":\"1\"}\n",
        "\n",
        "{\"id\":\"2\"}\n",
        "{\"data\":\"\"}\n",
        "{\"comment\":\"c\",\"retry\":5,\"data\":\" x\"}\n",
        "{\"retry\":18446744073709551615}\n",
    );
    let output = run(&["encode"], input.as_bytes());
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        ": hi\nretry: 1500\nevent: t\nid: 1\ndata: a\ndata: b\n\nid: 2\n\ndata:\n\n: c\nretry: 5\ndata:  x\n\nretry: 18446744073709551615\n"
    );
}

#[test]
fn encode_then_decode_round_trips() {
    let input = "{\"type\":\"delta\",\"data\":\"line\\r\\nnext\\rlast \u{20ac}\",\"id\":\"7\"}\n{\"id\":\"8\"}\n{\"retry\":0}\n";
    let encoded = run(&["encode"], input.as_bytes());
    assert!(encoded.status.success());
    let decoded = run(&["decode", "--chunk", "1"], &encoded.stdout);
    assert_eq!(
        stdout(&decoded),
        "{\"type\":\"delta\",\"data\":\"line\\nnext\\nlast \u{20ac}\",\"id\":\"7\"}\n{\"retry\":0}\n{\"last_event_id\":\"8\"}\n"
    );
}

#[test]
fn encode_stops_at_a_bad_line_after_writing_the_ones_before() {
    let cases: &[(&str, &str)] = &[
        ("{\"data\":", "invalid JSON"),
        ("[1]", "expected a JSON object"),
        (
            "{\"type\":\"a\\rb\",\"data\":\"x\"}",
            "event type contains a line break",
        ),
        ("{\"id\":\"a\\nb\"}", "event id contains a line break"),
        ("{\"id\":\"a\\u0000b\"}", "event id contains NUL"),
        ("{\"retry\":-1}", "`retry` must be an integer"),
        (
            "{\"retry\":18446744073709551616}",
            "`retry` must be an integer",
        ),
        ("{\"retry\":1.5}", "`retry` must be an integer"),
        ("{\"retry\":\"5\"}", "`retry` must be an integer"),
        ("{\"data\":5}", "`data` must be a string"),
        ("{\"data\":[\"x\"]}", "`data` must be a string"),
        ("{\"id\":{}}", "`id` must be a string"),
        ("{\"date\":\"x\"}", "unknown key `date`"),
        ("{\"data\":\"x\",}", "invalid JSON"),
        ("{\"data\":\"x\" \"id\":\"1\"}", "invalid JSON"),
        ("{\"data\":\"x\"} {}", "invalid JSON"),
        (
            "{\"data\":\"a\\x\"}",
            "invalid JSON: invalid escape at column 12",
        ),
        ("{\"data\":nul}", "invalid JSON"),
        ("{data:\"x\"}", "invalid JSON"),
    ];
    for (bad, message) in cases {
        let input = format!(
            "{{\"data\":\"first\"}}\n{{\"comment\":\"second\"}}\n{bad}\n{{\"data\":\"never\"}}\n"
        );
        let output = run(&["encode"], input.as_bytes());
        assert_eq!(output.status.code(), Some(1), "{bad}");
        assert_eq!(stdout(&output), "data: first\n\n: second\n", "{bad}");
        let err = stderr(&output);
        assert!(
            err.contains("line 3") && err.contains(message),
            "{bad}: {err}"
        );
    }
}

#[test]
fn encode_refuses_a_comment_when_its_event_is_bad() {
    // A line is checked whole before any of it is written.
    let output = run(
        &["encode"],
        b"{\"comment\":\"c\",\"type\":\"a\\nb\",\"data\":\"x\"}\n",
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
}

#[test]
fn decode_reports_an_event_over_the_cap_and_goes_on() {
    let mut input = b"data: ".to_vec();
    input.extend(std::iter::repeat_n(b'x', (1 << 20) + 1));
    input.extend_from_slice(b"\n\ndata: after\n\n");
    let output = run(&["decode", "--max-field", "1048576"], &input);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("event data longer than the parser's capacity of 1048576 bytes")
    );
    assert_eq!(
        stdout(&output),
        "{\"type\":\"message\",\"data\":\"after\",\"id\":\"\"}\n{\"last_event_id\":\"\"}\n"
    );
}

#[test]
fn decode_has_no_small_field_limit_by_default() {
    // What a browser delivers: a 5 MiB data line and a 64 KiB event type
    // and ID, far past any fixed buffer.
    let mut input = b"event: ".to_vec();
    input.extend(std::iter::repeat_n(b't', 64 << 10));
    input.extend_from_slice(b"\nid: ");
    input.extend(std::iter::repeat_n(b'i', 64 << 10));
    input.extend_from_slice(b"\ndata: ");
    input.extend(std::iter::repeat_n(b'd', 5 << 20));
    input.extend_from_slice(b"\n\n");
    let output = run(&["decode"], &input);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    let event: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(event["type"].as_str().map(str::len), Some(64 << 10));
    assert_eq!(event["id"].as_str().map(str::len), Some(64 << 10));
    assert_eq!(event["data"].as_str().map(str::len), Some(5 << 20));
}

#[test]
fn max_field_out_of_range_is_a_usage_error() {
    for value in ["0", "268435457", "18446744073709551615", "-1", "x"] {
        let output = run(&["decode", "--max-field", value], b"");
        assert_eq!(output.status.code(), Some(2), "--max-field {value}");
        assert!(stderr(&output).contains("--max-field takes a whole number"));
    }
    // Both options, in either order and either form.
    for args in [
        &["decode", "--max-field=8", "--chunk", "1"][..],
        &["decode", "--chunk=1", "--max-field", "8"],
    ] {
        let output = run(args, b"data: 123456789\n\ndata: ok\n\n");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stdout(&output).starts_with("{\"type\":\"message\",\"data\":\"ok\""));
    }
}

#[test]
fn encode_reads_escaped_keys_and_values() {
    let output = run(
        &["encode"],
        b" { \"d\\u0061ta\" : \"a\\\"b\\\\c\\/ \\u00e9\\ud83d\\ude00\\tz\" , \"id\":\"7\" } \r\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "id: 7\ndata: a\"b\\c/ \u{e9}\u{1f600}\tz\n\n"
    );
}

#[test]
fn encode_writes_retries_above_u32_max_and_decode_reads_them_back() {
    let encoded = run(
        &["encode"],
        b"{\"retry\":4294967296}\n{\"retry\":18446744073709551615}\n",
    );
    assert!(encoded.status.success(), "{}", stderr(&encoded));
    assert_eq!(
        stdout(&encoded),
        "retry: 4294967296\nretry: 18446744073709551615\n"
    );
    let decoded = run(&["decode", "--chunk", "1"], &encoded.stdout);
    assert_eq!(
        stdout(&decoded),
        "{\"retry\":4294967296}\n{\"retry\":18446744073709551615}\n{\"last_event_id\":\"\"}\n"
    );
}

#[test]
fn encode_quotes_at_most_a_short_prefix_of_a_huge_bad_line() {
    const BIG: usize = 2 << 20;
    let big = "x".repeat(BIG);
    let digits = "1".repeat(BIG);
    let accents = "\u{e9}".repeat(BIG / 2);
    let cases = [
        (format!("[\"{big}\"]"), "expected a JSON object, got"),
        (
            format!("[{}1]", "1,".repeat(BIG / 2)),
            "expected a JSON object, got",
        ),
        (
            format!("{{\"data\":[\"{big}\"]}}"),
            "`data` must be a string",
        ),
        (format!("{{\"data\":{digits}}}"), "`data` must be a string"),
        (
            format!("{{\"retry\":{digits}}}"),
            "`retry` must be an integer",
        ),
        (
            format!("{{\"retry\":\"{big}\"}}"),
            "`retry` must be an integer",
        ),
        (format!("{{\"{accents}\":1}}"), "unknown key"),
        (format!("{{\"data\":\"{big}"), "invalid JSON"),
        (format!("{{\"data\":\"x\" {big}}}"), "invalid JSON"),
        (
            format!("{{\"id\":\"{big}\\n\"}}"),
            "event id contains a line break",
        ),
    ];
    for (bad, message) in &cases {
        let output = run(
            &["encode"],
            format!("{{\"data\":\"first\"}}\n{bad}\n").as_bytes(),
        );
        assert_eq!(output.status.code(), Some(1), "{message}");
        assert_eq!(stdout(&output), "data: first\n\n", "{message}");
        let err = stderr(&output);
        assert!(err.len() < 1024, "{message}: {} bytes on stderr", err.len());
        assert!(
            err.starts_with("sse: line 2: ") && err.contains(message),
            "{err}"
        );
    }
}

#[test]
fn encode_messages_quote_60_characters_cut_at_a_character_boundary() {
    for (key, quoted) in [
        ("\u{e9}".repeat(60), "\u{e9}".repeat(60)),
        (
            "\u{e9}".repeat(61),
            format!("{}\u{2026}", "\u{e9}".repeat(60)),
        ),
        (
            format!("{}\u{1f600}\u{1f600}", "a".repeat(59)),
            format!("{}\u{1f600}\u{2026}", "a".repeat(59)),
        ),
        ("\\u001b[1m".to_owned(), "\\u{1b}[1m".to_owned()),
    ] {
        let output = run(&["encode"], format!("{{\"{key}\":1}}\n").as_bytes());
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            stderr(&output),
            format!(
                "sse: line 1: unknown key `{quoted}` (expected type, data, id, retry, comment)\n"
            )
        );
    }
}
