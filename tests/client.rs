//! The client core (`sse_wire::client`), driven through scenarios in the
//! manner of LaunchDarkly's sse-contract-tests ("HTTP behaviour" and
//! "reconnection"): the headers sent, the verdict on each response, the
//! waits between attempts, the last event ID, and, over any sequence of
//! calls, never a reconnection without a wait.

use proptest::prelude::*;
use sse_wire::client::{Action, Client, Config, Failure, InvalidId, ResponseHead, Verdict};
use sse_wire::{End, GrowableParser, Parser, Piece, PieceParser, Status};

type Small = Client<Parser<1024, 64>>;

fn client(config: Config) -> Small {
    Client::new(Parser::new(), config).with_seed(1)
}

const SSE: &[u8] = b"text/event-stream";

fn ok() -> ResponseHead<'static> {
    ResponseHead::new(200).with_content_type(Some(SSE))
}

/// Connects at `now` (the client must ask to) and opens the stream.
fn open<P: sse_wire::client::BodyParser>(client: &mut Client<P>, now: u64) {
    assert_eq!(client.poll(now), Action::Connect, "at {now}");
    assert_eq!(client.response(now, &ok()), Verdict::Open);
}

/// Feeds a whole body; returns the data of the events it dispatched.
fn feed_all(client: &mut Small, now: u64, body: &[u8]) -> Vec<String> {
    let mut input = body;
    let mut data = Vec::new();
    loop {
        match client.feed(now, &mut input) {
            Ok(Status::NeedInput) => return data,
            Ok(Status::Event(event)) => data.push(event.data().to_owned()),
            _ => {}
        }
    }
}

/// Polls from `now` until the client asks to connect; returns when.
fn next_connect<P: sse_wire::client::BodyParser>(client: &mut Client<P>, now: u64) -> u64 {
    match client.poll(now) {
        Action::Wait { until } => {
            assert!(until > now);
            assert_eq!(client.poll(until), Action::Connect);
            until
        }
        other => panic!("expected a wait, got {other:?}"),
    }
}

fn headers<P: sse_wire::client::BodyParser>(client: &Client<P>) -> Vec<(String, String)> {
    client
        .request_headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn the_first_request_sends_accept_and_cache_control_only() {
    let client = client(Config::new());
    assert_eq!(
        headers(&client),
        [
            ("Accept".to_owned(), "text/event-stream".to_owned()),
            ("Cache-Control".to_owned(), "no-cache".to_owned())
        ]
    );
}

#[test]
fn last_event_id_is_sent_after_reconnecting() {
    let mut client = client(Config::new());
    open(&mut client, 0);
    assert_eq!(
        feed_all(&mut client, 0, b"id: 41\ndata: a\n\nid: 42\ndata: b\n\n"),
        ["a", "b"]
    );
    assert!(client.disconnected(10).is_complete());
    next_connect(&mut client, 10);
    assert!(headers(&client).contains(&("Last-Event-ID".to_owned(), "42".to_owned())));
}

#[test]
fn a_seeded_id_is_sent_and_a_forbidden_one_refused() {
    let mut client = client(Config::new());
    client.set_last_event_id(" spaced id").unwrap();
    assert_eq!(client.last_event_id(), " spaced id");
    for bad in ["a\rb", "a\nb", "a\0b"] {
        assert_eq!(client.set_last_event_id(bad), Err(InvalidId::Forbidden));
    }
    assert_eq!(
        client.set_last_event_id(&"x".repeat(65)),
        Err(InvalidId::TooLong)
    );
    assert_eq!(client.last_event_id(), " spaced id");
    open(&mut client, 0);
    assert!(headers(&client).contains(&("Last-Event-ID".to_owned(), " spaced id".to_owned())));
    // An empty ID sends no header at all.
    client.set_last_event_id("").unwrap();
    assert!(!headers(&client)
        .iter()
        .any(|(name, _)| name == "Last-Event-ID"));
}

#[test]
fn an_id_of_an_unfinished_event_is_not_sent() {
    let mut client = client(Config::new());
    open(&mut client, 0);
    assert_eq!(
        feed_all(&mut client, 0, b"id: 1\ndata: a\n\nid: 2\ndata: partial"),
        ["a"]
    );
    let end = client.disconnected(5);
    assert!(matches!(end, End::UnfinishedLine(held) if held.data && held.id));
    next_connect(&mut client, 5);
    assert_eq!(client.last_event_id(), "1");
    // The new body starts clean: the partial event is gone.
    assert_eq!(client.response(5, &ok()), Verdict::Open);
    assert_eq!(feed_all(&mut client, 6, b"data: fresh\n\n"), ["fresh"]);
}

#[test]
fn status_204_stops_for_good() {
    let mut client = client(Config::new());
    assert_eq!(client.poll(0), Action::Connect);
    assert_eq!(client.response(0, &ResponseHead::new(204)), Verdict::Done);
    assert_eq!(client.poll(1_000_000), Action::Done);
}

#[test]
fn a_wrong_status_or_content_type_fails_for_good() {
    for (head, failure) in [
        (ResponseHead::new(500), Failure::Status(500)),
        (ResponseHead::new(404), Failure::Status(404)),
        (ResponseHead::new(200), Failure::ContentType(None)),
        (
            ResponseHead::new(200).with_content_type(Some(b"text/html")),
            Failure::ContentType(Some(b"text/html")),
        ),
        (
            // A 200 page of HTML is not an empty stream.
            ResponseHead::new(200).with_content_type(Some(b"text/plain; charset=utf-8")),
            Failure::ContentType(Some(b"text/plain; charset=utf-8")),
        ),
    ] {
        let mut client = client(Config::new());
        assert_eq!(client.poll(0), Action::Connect);
        assert_eq!(
            client.response(0, &head),
            Verdict::Fail(failure),
            "{head:?}"
        );
        assert_eq!(client.poll(10_000_000), Action::Failed);
    }
}

#[test]
fn content_type_parameters_and_case_are_allowed() {
    for value in [
        &b"text/event-stream;charset=utf-8"[..],
        b"TEXT/Event-Stream",
        b" text/event-stream ",
    ] {
        let mut client = client(Config::new());
        assert_eq!(client.poll(0), Action::Connect);
        let head = ResponseHead::new(200).with_content_type(Some(value));
        assert_eq!(client.response(0, &head), Verdict::Open, "{value:?}");
    }
}

#[test]
fn redirects_are_followed_up_to_the_limit() {
    let mut client = client(Config::new().with_max_redirects(5));
    assert_eq!(client.poll(0), Action::Connect);
    for (status, get) in [
        (301, true),
        (302, true),
        (303, true),
        (307, false),
        (308, false),
    ] {
        let head = ResponseHead::new(status).with_location(Some(b"/next"));
        assert_eq!(
            client.response(0, &head),
            Verdict::Redirect {
                location: b"/next",
                get
            }
        );
    }
    let head = ResponseHead::new(307).with_location(Some(b"/again"));
    assert_eq!(
        client.response(0, &head),
        Verdict::Fail(Failure::TooManyRedirects)
    );
    assert_eq!(client.poll(1), Action::Failed);
}

#[test]
fn the_redirect_count_starts_again_with_each_attempt() {
    let mut client = client(Config::new().with_max_redirects(1));
    let hop = ResponseHead::new(302).with_location(Some(b"http://127.0.0.1:1/x"));
    assert_eq!(client.poll(0), Action::Connect);
    assert!(matches!(client.response(0, &hop), Verdict::Redirect { .. }));
    assert_eq!(client.response(0, &ok()), Verdict::Open);
    client.disconnected(1);
    let at = next_connect(&mut client, 1);
    assert!(matches!(
        client.response(at, &hop),
        Verdict::Redirect { .. }
    ));
}

#[test]
fn a_redirect_without_a_location_fails() {
    for location in [None, Some(&b""[..]), Some(b"  ")] {
        let mut client = client(Config::new());
        assert_eq!(client.poll(0), Action::Connect);
        let head = ResponseHead::new(302).with_location(location);
        assert_eq!(
            client.response(0, &head),
            Verdict::Fail(Failure::MissingLocation)
        );
    }
}

#[test]
fn the_servers_retry_is_honoured_within_the_clamp() {
    for (retry, low, high) in [
        (10_000u64, 5_000u64, 10_000u64),
        (0, 500, 500),               // the floor
        (1 << 40, 150_000, 300_000), // the ceiling
    ] {
        let mut client = client(Config::new());
        open(&mut client, 0);
        let body = format!("retry: {retry}\ndata: x\n\n");
        assert_eq!(feed_all(&mut client, 0, body.as_bytes()), ["x"]);
        client.disconnected(100);
        let at = next_connect(&mut client, 100);
        let wait = at - 100;
        assert!(low <= wait && wait <= high, "retry {retry}: waited {wait}");
    }
}

#[test]
fn the_wait_before_any_retry_is_the_initial_one() {
    let mut client = client(Config::new().with_initial_retry_ms(2000));
    open(&mut client, 0);
    assert_eq!(feed_all(&mut client, 0, b"data: x\n\n"), ["x"]);
    client.disconnected(0);
    let at = next_connect(&mut client, 0);
    assert!((1000..=2000).contains(&at), "{at}");
}

#[test]
fn failures_back_off_exponentially_to_the_cap_and_a_healthy_connection_resets_it() {
    let config = Config::new()
        .with_initial_retry_ms(1000)
        .with_backoff_cap_ms(16_000);
    let mut client = client(config);
    let mut now = 0;
    assert_eq!(client.poll(now), Action::Connect);
    let mut waits = Vec::new();
    for _ in 0..8 {
        client.disconnected(now); // refused
        let at = next_connect(&mut client, now);
        waits.push(at - now);
        now = at;
    }
    // Each wait is in [w/2, w] for w = 1, 2, 4, 8, 16, 16, ... seconds.
    for (n, wait) in waits.iter().enumerate() {
        let full = (1000u64 << n).min(16_000);
        assert!(full / 2 <= *wait && *wait <= full, "attempt {n}: {wait}");
    }
    assert_eq!(client.attempts(), 8);
    // A connection that delivers an event ends the run of failures.
    assert_eq!(client.response(now, &ok()), Verdict::Open);
    assert_eq!(feed_all(&mut client, now, b"data: ok\n\n"), ["ok"]);
    client.disconnected(now);
    assert_eq!(client.attempts(), 0);
    let at = next_connect(&mut client, now);
    assert!(at - now <= 1000, "{}", at - now);
}

#[test]
fn retry_zero_and_close_never_loops_tightly() {
    // A server that opens, sends `retry: 0` (and even an event) and closes
    // at once, for ten simulated minutes.
    for event in [&b""[..], b"data: x\n\n"] {
        let mut client = client(Config::new());
        let mut now = 0;
        let mut connects = 0;
        while now < 600_000 {
            match client.poll(now) {
                Action::Connect => {
                    connects += 1;
                    assert_eq!(client.response(now, &ok()), Verdict::Open);
                    let mut body = [&b"retry: 0\n"[..], event].concat();
                    let mut input = &body[..];
                    while !matches!(client.feed(now, &mut input), Ok(Status::NeedInput)) {}
                    body.clear();
                    client.disconnected(now);
                }
                Action::Wait { until } => {
                    assert!(until > now);
                    now = until;
                }
                other => panic!("{other:?}"),
            }
        }
        // At most one connection per floor (500 ms) of simulated time.
        assert!(connects <= 600_000 / 500 + 1, "{connects} connections");
        if event.is_empty() {
            // Without an event, the waits grow to the backoff cap.
            assert!(connects < 40, "{connects} connections");
        }
    }
}

#[test]
fn an_idle_connection_is_dropped_and_comments_count_as_life() {
    let mut client = client(Config::new().with_idle_timeout_ms(Some(1000)));
    open(&mut client, 0);
    assert_eq!(
        client.poll(500),
        Action::Read {
            deadline: Some(1000)
        }
    );
    // A keep-alive comment at 900 moves the deadline.
    assert!(feed_all(&mut client, 900, b": keep-alive\n").is_empty());
    assert_eq!(
        client.poll(1500),
        Action::Read {
            deadline: Some(1900)
        }
    );
    assert_eq!(client.poll(1900), Action::Drop);
    assert!(matches!(client.poll(1900), Action::Wait { until } if until > 1900));
    // A silent server before any response is dropped too.
    let at = next_connect(&mut client, 1900);
    assert_eq!(
        client.poll(at + 999),
        Action::Read {
            deadline: Some(at + 1000)
        }
    );
    assert_eq!(client.poll(at + 1000), Action::Drop);
}

#[test]
fn it_gives_up_after_the_set_number_of_failed_attempts() {
    let mut client = client(Config::new().with_max_attempts(Some(3)));
    let mut now = 0;
    assert_eq!(client.poll(now), Action::Connect);
    client.disconnected(now);
    now = next_connect(&mut client, now);
    client.disconnected(now);
    now = next_connect(&mut client, now);
    client.disconnected(now);
    assert_eq!(client.poll(now), Action::Failed);
    assert_eq!(client.poll(now + 10_000_000), Action::Failed);
}

#[test]
fn server_errors_are_retried_only_when_asked_and_retry_after_is_honoured() {
    let mut browser = client(Config::new());
    assert_eq!(browser.poll(0), Action::Connect);
    assert_eq!(
        browser.response(0, &ResponseHead::new(503)),
        Verdict::Fail(Failure::Status(503))
    );

    let mut client = client(Config::new().with_retry_server_errors(true));
    assert_eq!(client.poll(0), Action::Connect);
    let busy = ResponseHead::new(503).with_retry_after(Some(b"7"));
    assert_eq!(client.response(0, &busy), Verdict::Retry);
    let at = next_connect(&mut client, 0);
    assert!(at >= 7000, "{at}");
    let limited = ResponseHead::new(429).with_retry_after(Some(b"Wed, 21 Oct 2015 07:28:00 GMT"));
    assert_eq!(client.response(at, &limited), Verdict::Retry);
    let again = next_connect(&mut client, at);
    assert!(again > at);
    // A Retry-After past the limit is cut to it.
    let mut capped = Client::new(
        Parser::<64>::new(),
        Config::new()
            .with_retry_server_errors(true)
            .with_max_retry_after_ms(60_000),
    );
    assert_eq!(capped.poll(0), Action::Connect);
    let far = ResponseHead::new(503).with_retry_after(Some(b"86400"));
    assert_eq!(capped.response(0, &far), Verdict::Retry);
    let at = next_connect(&mut capped, 0);
    assert!(
        (60_000..=86_400_000).contains(&at) && at <= 60_000 + 3000,
        "{at}"
    );
    // Other errors still fail.
    assert_eq!(
        capped.response(at, &ResponseHead::new(404)),
        Verdict::Fail(Failure::Status(404))
    );
}

#[test]
fn five_mib_messages_arrive_whole() {
    let data = "x".repeat(5 << 20);
    let body = format!("id: big\ndata: {data}\n\n");
    let mut client = Client::new(GrowableParser::default(), Config::new());
    open(&mut client, 0);
    let mut got = None;
    for chunk in body.as_bytes().chunks(64 << 10) {
        let mut input = chunk;
        loop {
            match client.feed(0, &mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => got = Some(event.data().len()),
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(got, Some(5 << 20));
    assert_eq!(client.last_event_id(), "big");

    // The same through the piece parser, which stores none of it.
    let mut client = Client::new(PieceParser::<heapless::Vec<u8, 16>>::new(), Config::new());
    open(&mut client, 0);
    let mut len = 0;
    let mut ended = false;
    for chunk in body.as_bytes().chunks(64 << 10) {
        let mut input = chunk;
        loop {
            match client.feed(0, &mut input) {
                Ok(Piece::NeedInput) => break,
                Ok(Piece::Data(piece)) => len += piece.len(),
                Ok(Piece::EventEnd(end)) => ended = end.dispatched,
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!((len, ended), (5 << 20, true));
    client.disconnected(1);
    assert_eq!(client.attempts(), 0, "a delivered event makes it healthy");
}

#[test]
fn the_jitter_follows_the_seed() {
    let waits = |seed: u64| -> Vec<u64> {
        let mut client = Client::new(Parser::<64>::new(), Config::new()).with_seed(seed);
        let mut now = 0;
        let mut waits = Vec::new();
        assert_eq!(client.poll(now), Action::Connect);
        for _ in 0..6 {
            client.disconnected(now);
            let at = next_connect(&mut client, now);
            waits.push(at - now);
            now = at;
        }
        waits
    };
    assert_eq!(waits(7), waits(7));
    assert_ne!(waits(7), waits(8));
}

/// One call a caller could make.
#[derive(Clone, Debug)]
enum Call {
    Poll,
    Response(u16, u8),
    Feed(Vec<u8>),
    Disconnected,
    Seed(String),
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        3 => Just(Call::Poll),
        2 => (prop_oneof![Just(200u16), Just(204), Just(301), Just(307), Just(429), Just(500), Just(503), 100u16..600], 0u8..4)
            .prop_map(|(status, headers)| Call::Response(status, headers)),
        3 => prop::collection::vec(prop_oneof![
            Just(b"retry: 0\n".to_vec()),
            Just(b"data: x\n\n".to_vec()),
            Just(b"id: 5\n".to_vec()),
            Just(b"\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
        ], 0..4).prop_map(|parts| Call::Feed(parts.concat())),
        2 => Just(Call::Disconnected),
        1 => "[a-z\r\n\0]{0,4}".prop_map(Call::Seed),
    ]
}

proptest! {
    /// Whatever the caller and the server do, the client never panics,
    /// never asks to connect again sooner than the floor after giving up a
    /// connection, and every wait is in the future.
    #[test]
    fn no_reconnection_without_a_wait(
        calls in prop::collection::vec((call(), 0u64..3000), 1..200),
        retry_errors: bool,
        idle in prop::option::of(1u64..5000),
        seed: u64,
    ) {
        let config = Config::new()
            .with_retry_server_errors(retry_errors)
            .with_idle_timeout_ms(idle);
        let floor = config.min_retry_ms();
        let mut client = Client::new(Parser::<64, 8>::new(), config).with_seed(seed);
        let mut now = 0u64;
        // When the last connection was given up, and whether one is in
        // progress (a request out or a body open).
        let mut given_up_at: Option<u64> = None;
        let mut connected = false;
        for (call, step) in calls {
            now += step;
            match call {
                Call::Poll => match client.poll(now) {
                    Action::Connect => {
                        prop_assert!(!connected);
                        if let Some(at) = given_up_at.take() {
                            prop_assert!(now >= at + floor, "connect at {} after {}", now, at);
                        }
                        connected = true;
                    }
                    Action::Wait { until } => prop_assert!(until > now && !connected),
                    Action::Read { deadline } => {
                        prop_assert!(connected && deadline.is_none_or(|d| d > now));
                    }
                    Action::Drop => {
                        prop_assert!(connected);
                        given_up_at = Some(now);
                        connected = false;
                    }
                    Action::Done | Action::Failed => connected = false,
                    _ => {}
                },
                Call::Response(status, headers) => {
                    let head = ResponseHead::new(status)
                        .with_content_type((headers & 1 != 0).then_some(SSE))
                        .with_location((headers & 2 != 0).then_some(&b"/x"[..]))
                        .with_retry_after(Some(b"1"));
                    match client.response(now, &head) {
                        Verdict::Retry if connected => {
                            given_up_at = Some(now);
                            connected = false;
                        }
                        Verdict::Done | Verdict::Fail(_) => connected = false,
                        _ => {}
                    }
                }
                Call::Feed(bytes) => {
                    let mut input = &bytes[..];
                    while !matches!(client.feed(now, &mut input), Ok(Status::NeedInput)) {}
                }
                Call::Disconnected => {
                    let _ = client.disconnected(now);
                    if connected {
                        given_up_at = Some(now);
                        connected = false;
                    }
                }
                Call::Seed(id) => {
                    let _ = client.set_last_event_id(&id);
                    prop_assert!(!client.last_event_id().contains(['\r', '\n', '\0']));
                }
            }
            // The headers never carry a forbidden byte.
            for (_, value) in client.request_headers() {
                prop_assert!(!value.contains(['\r', '\n', '\0']));
            }
        }
    }
}
