//! The HTTP/1.1 client transport against scripted and hostile servers on
//! loopback. Every server runs in a thread, serves one connection (or a
//! counted few), and bounds its loops in count and time.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sse_wire_demo::http::{send, Body, HttpError, Limits, Request, Url, UrlError};

/// Limits short enough for tests.
fn quick() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(2),
        head_deadline: Duration::from_secs(3),
        idle: Duration::from_secs(3),
        ..Limits::default()
    }
}

/// Reads a request head and its `Content-Length` body (at most 64 KiB,
/// within the stream's timeout).
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut request = Vec::new();
    let mut buf = [0; 4096];
    let mut body_end = None;
    while request.len() < 65536 && body_end.is_none_or(|end| request.len() < end) {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        request.extend_from_slice(&buf[..n]);
        if body_end.is_none() {
            if let Some(end) = find(&request, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length: "))
                    .map_or(0, |n| n.trim().parse().unwrap());
                body_end = Some(end + 4 + length);
            }
        }
    }
    request
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Waits (at most `bound`) for the client to close the connection.
fn wait_for_close(stream: &mut TcpStream, bound: Duration) {
    let start = Instant::now();
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0; 256];
    while start.elapsed() < bound {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {}
            Err(_) => return,
        }
    }
}

/// A server for one connection on 127.0.0.1: it reads the request, then
/// runs `script`. The handle gives back the request's bytes.
fn server(script: impl FnOnce(&mut TcpStream) + Send + 'static) -> (Url, JoinHandle<Vec<u8>>) {
    let mut script = Some(script);
    servers(1, move |stream, _| {
        if let Some(script) = script.take() {
            script(stream);
        }
    })
}

/// A server for `count` connections in turn; `script` gets the
/// connection's number. The handle gives back the last request.
fn servers(
    count: usize,
    mut script: impl FnMut(&mut TcpStream, usize) + Send + 'static,
) -> (Url, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let mut request = Vec::new();
        for i in 0..count {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream
                .set_write_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream.set_nodelay(true).unwrap();
            request = read_request(&mut stream);
            script(&mut stream, i);
        }
        request
    });
    let url = Url::parse(&format!("http://127.0.0.1:{port}/events?x=1")).unwrap();
    (url, handle)
}

/// The whole body (bounded in reads), and how it ended.
fn read_body(body: &mut Body) -> (Vec<u8>, io::Result<()>) {
    let mut data = Vec::new();
    let mut buf = [0; 1000];
    for _ in 0..100_000 {
        match body.read(&mut buf) {
            Ok(0) => return (data, Ok(())),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(error) => return (data, Err(error)),
        }
    }
    panic!("the body never ended");
}

/// Header names and values, as a `Request` takes them.
type Headers<'a> = &'a [(&'a str, &'a [u8])];

const SSE_HEADERS: Headers = &[
    ("Accept", b"text/event-stream"),
    ("Cache-Control", b"no-cache"),
    ("Last-Event-ID", b"41"),
];

const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\n\
    Content-Type: text/event-stream\r\n\
    Transfer-Encoding: chunked\r\n\
    \r\n\
    d\r\ndata: hello\n\n\r\n\
    10;ext=\"a b\"\r\nid: 42\ndata: x\n\n\r\n\
    0\r\nX-Trailer: yes\r\n\r\n";

const CHUNKED_BODY: &[u8] = b"data: hello\n\nid: 42\ndata: x\n\n";

#[test]
fn a_chunked_response_and_the_request_sent() {
    let (url, server) = server(|stream| {
        stream.write_all(CHUNKED).unwrap();
        wait_for_close(stream, Duration::from_secs(5));
    });
    let request = Request {
        method: "GET",
        url: &url,
        headers: SSE_HEADERS,
        body: None,
    };
    let mut response = send(&request, &quick()).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.reason(), b"OK");
    assert_eq!(
        response.header("content-type"),
        Some(&b"text/event-stream"[..])
    );
    assert_eq!(response.headers().count(), 2);
    // The body ends at the last chunk, not when the server closes.
    let (data, end) = read_body(response.body());
    end.unwrap();
    assert_eq!(data, CHUNKED_BODY);
    assert!(response.body().is_finished());
    drop(response);

    let request = String::from_utf8(server.join().unwrap()).unwrap();
    let port = url.port;
    assert!(
        request.starts_with(&format!(
            "GET /events?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        )),
        "{request}"
    );
    for line in [
        "Accept: text/event-stream\r\n",
        "Cache-Control: no-cache\r\n",
        "Last-Event-ID: 41\r\n",
    ] {
        assert!(request.contains(line), "{request}");
    }
    assert!(request.ends_with("\r\n\r\n"));
    assert!(!request.to_ascii_lowercase().contains("content-length"));
}

#[test]
fn a_content_length_response_and_a_post() {
    let (url, server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world")
            .unwrap();
        wait_for_close(stream, Duration::from_secs(5));
    });
    let body = br#"{"prompt":"hi"}"#;
    let request = Request {
        method: "POST",
        url: &url,
        headers: &[("Content-Type", b"application/json")],
        body: Some(body),
    };
    let mut response = send(&request, &quick()).unwrap();
    let (data, end) = read_body(response.body());
    end.unwrap();
    assert_eq!(data, b"hello world");
    drop(response);
    let request = String::from_utf8(server.join().unwrap()).unwrap();
    assert!(request.starts_with("POST /events?x=1 HTTP/1.1\r\n"));
    assert!(request.contains("Content-Type: application/json\r\n"));
    assert!(request.ends_with("Content-Length: 15\r\n\r\n{\"prompt\":\"hi\"}"));
}

#[test]
fn a_body_until_close_and_a_large_chunked_body() {
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.0 200 OK\r\n\r\nto the end")
            .unwrap();
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    assert_eq!(read_body(response.body()).0, b"to the end");

    // 4 MiB in chunks of 100 000 bytes, through the fixed buffer.
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap();
        let chunk = vec![b'x'; 100_000];
        for _ in 0..42 {
            stream.write_all(b"186A0\r\n").unwrap();
            stream.write_all(&chunk).unwrap();
            stream.write_all(b"\r\n").unwrap();
        }
        stream.write_all(b"0\r\n\r\n").unwrap();
        wait_for_close(stream, Duration::from_secs(5));
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    let (data, end) = read_body(response.body());
    end.unwrap();
    assert_eq!(data.len(), 4_200_000);
    assert!(data.iter().all(|&b| b == b'x'));
}

#[test]
fn a_chunked_response_written_one_byte_per_write() {
    let (url, _server) = server(|stream| {
        for &byte in CHUNKED {
            stream.write_all(&[byte]).unwrap();
            thread::sleep(Duration::from_millis(1));
        }
        wait_for_close(stream, Duration::from_secs(5));
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    let (data, end) = read_body(response.body());
    end.unwrap();
    assert_eq!(data, CHUNKED_BODY);
}

#[test]
fn a_chunked_response_cut_in_two_at_every_byte() {
    let splits = CHUNKED.len() - 1;
    let (url, _server) = servers(splits, |stream, i| {
        let (first, second) = CHUNKED.split_at(i + 1);
        stream.write_all(first).unwrap();
        stream.flush().unwrap();
        thread::sleep(Duration::from_millis(3));
        stream.write_all(second).unwrap();
        wait_for_close(stream, Duration::from_secs(5));
    });
    for i in 0..splits {
        let mut response = send(&Request::get(&url), &quick()).unwrap();
        let (data, end) = read_body(response.body());
        end.unwrap_or_else(|error| panic!("split after {}: {error}", i + 1));
        assert_eq!(data, CHUNKED_BODY, "split after {}", i + 1);
    }
}

#[test]
fn a_missing_crlf_after_chunk_data_is_invalid_data_and_nothing_leaks() {
    let (url, _server) = server(|stream| {
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY\r\n0\r\n\r\n",
            )
            .unwrap();
        wait_for_close(stream, Duration::from_secs(5));
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    let (data, end) = read_body(response.body());
    assert_eq!(data, b"hello");
    assert_eq!(end.unwrap_err().kind(), io::ErrorKind::InvalidData);
    // The body stays failed.
    assert!(response.body().read(&mut [0; 16]).is_err());
}

#[test]
fn an_oversized_chunk_size_line_is_invalid_data() {
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;")
            .unwrap();
        // An extension that never ends, up to 1 MiB.
        let filler = [b'x'; 1024];
        for _ in 0..1024 {
            if stream.write_all(&filler).is_err() {
                break;
            }
        }
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    let (data, end) = read_body(response.body());
    assert!(data.is_empty());
    let error = end.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
}

#[test]
fn endless_headers_are_head_too_large() {
    // Header lines for ever, or one header line for ever.
    for endless_line in [false, true] {
        let (url, server) = server(move |stream| {
            stream.write_all(b"HTTP/1.1 200 OK\r\n").unwrap();
            let line = if endless_line {
                [b'a'; 100].to_vec()
            } else {
                [&b"X-Filler: "[..], &[b'a'; 88], b"\r\n"].concat()
            };
            if endless_line {
                stream.write_all(b"X-Long: ").unwrap();
            }
            // Until the client hangs up: at most 100 MB or 10 s.
            let start = Instant::now();
            for _ in 0..1_000_000 {
                if stream.write_all(&line).is_err() || start.elapsed().as_secs() > 10 {
                    break;
                }
            }
        });
        let start = Instant::now();
        let error = send(&Request::get(&url), &quick()).unwrap_err();
        assert!(
            matches!(error, HttpError::HeadTooLarge { limit: 65536 }),
            "{error}"
        );
        // The client hung up, so the server stopped long before its bounds.
        server.join().unwrap();
        assert!(start.elapsed() < Duration::from_secs(8));
    }
}

#[test]
fn a_head_trickling_a_byte_every_200_ms_hits_the_deadline() {
    let (url, _server) = server(|stream| {
        for &byte in CHUNKED.iter().take(50) {
            if stream.write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(200));
        }
    });
    let limits = Limits {
        head_deadline: Duration::from_secs(1),
        ..quick()
    };
    let start = Instant::now();
    let error = send(&Request::get(&url), &limits).unwrap_err();
    assert!(matches!(error, HttpError::Timeout), "{error}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn a_silent_server_is_a_timeout() {
    let (url, _server) = server(|stream| wait_for_close(stream, Duration::from_secs(10)));
    let limits = Limits {
        head_deadline: Duration::from_millis(500),
        ..quick()
    };
    let start = Instant::now();
    let error = send(&Request::get(&url), &limits).unwrap_err();
    assert!(matches!(error, HttpError::Timeout), "{error}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn a_body_that_goes_silent_hits_the_idle_limit() {
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            .unwrap();
        wait_for_close(stream, Duration::from_secs(10));
    });
    let limits = Limits {
        idle: Duration::from_millis(300),
        ..quick()
    };
    let mut response = send(&Request::get(&url), &limits).unwrap();
    let start = Instant::now();
    let (data, end) = read_body(response.body());
    assert_eq!(data, b"abc");
    assert_eq!(end.unwrap_err().kind(), io::ErrorKind::TimedOut);
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn a_lying_content_length() {
    // Shorter than declared, then close: an error, not a clean end.
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
            .unwrap();
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    let (data, end) = read_body(response.body());
    assert_eq!(data, b"hello");
    assert_eq!(end.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);

    // Longer than declared, and the connection left open: the declared
    // bytes only, and the end at once.
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n")
            .unwrap();
        wait_for_close(stream, Duration::from_secs(10));
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    let start = Instant::now();
    let (data, end) = read_body(response.body());
    end.unwrap();
    assert_eq!(data, b"hello");
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_refused_port_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let error = send(&Request::get(&url), &quick()).unwrap_err();
    assert!(matches!(error, HttpError::Connect(_)), "{error}");
}

#[test]
fn header_bytes_need_not_be_utf8() {
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 200 \xc4\xe9j\xe0\r\nX-Name: caf\xe9 \xff\x80\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        wait_for_close(stream, Duration::from_secs(5));
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    assert_eq!(response.reason(), b"\xc4\xe9j\xe0");
    assert_eq!(response.header("x-name"), Some(&b"caf\xe9 \xff\x80"[..]));
    assert_eq!(response.header("X-NAME"), Some(&b"caf\xe9 \xff\x80"[..]));
    assert_eq!(read_body(response.body()).0, b"");
}

#[test]
fn malformed_and_cut_heads() {
    let cases: [&[u8]; 4] = [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    ];
    for (i, case) in cases.into_iter().enumerate() {
        let (url, _server) = server(move |stream| {
            stream.write_all(case).unwrap();
            wait_for_close(stream, Duration::from_secs(5));
        });
        let error = send(&Request::get(&url), &quick()).unwrap_err();
        assert!(
            matches!(error, HttpError::Malformed(_)),
            "case {i}: {error}"
        );
    }
    let (url, _server) = server(|stream| {
        stream.write_all(b"HTTP/1.1 200 OK\r\nA: b\r\n").unwrap();
    });
    let error = send(&Request::get(&url), &quick()).unwrap_err();
    assert!(
        matches!(&error, HttpError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof),
        "{error}"
    );
}

#[test]
fn interim_responses_are_skipped_and_204_has_no_body() {
    let (url, _server) = server(|stream| {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
            .unwrap();
        wait_for_close(stream, Duration::from_secs(10));
    });
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.header("link"), None);
    let start = Instant::now();
    let (data, end) = read_body(response.body());
    end.unwrap();
    assert!(data.is_empty());
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn an_ipv6_literal_url() {
    let listener = match TcpListener::bind("[::1]:0") {
        Ok(listener) => listener,
        Err(error) => {
            println!("note: no IPv6 loopback here ({error}); the IPv6 test is skipped");
            return;
        }
    };
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let request = read_request(&mut stream);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        request
    });
    let url = Url::parse(&format!("http://[::1]:{port}/x")).unwrap();
    assert_eq!(url.host, "::1");
    let mut response = send(&Request::get(&url), &quick()).unwrap();
    assert_eq!(read_body(response.body()).0, b"ok");
    let request = String::from_utf8(server.join().unwrap()).unwrap();
    assert!(
        request.contains(&format!("\r\nHost: [::1]:{port}\r\n")),
        "{request}"
    );
}

#[test]
fn invalid_requests_are_refused_before_connecting() {
    let url = Url::parse("http://127.0.0.1:9/").unwrap();
    let cases: [(&str, Headers); 7] = [
        ("GET", &[("X", b"a\r\nInjected: 1")]),
        ("GET", &[("X", b"a\nb")]),
        ("GET", &[("X", b"a\0b")]),
        ("GET", &[("Bad Name", b"a")]),
        ("GET", &[("Host", b"elsewhere")]),
        ("GET", &[("content-length", b"5")]),
        ("GE T", &[]),
    ];
    for (method, headers) in cases {
        let request = Request {
            method,
            url: &url,
            headers,
            body: None,
        };
        let error = send(&request, &quick()).unwrap_err();
        assert!(matches!(error, HttpError::InvalidRequest(_)), "{error}");
    }
}

#[test]
fn urls_parse() {
    let url = Url::parse("http://Example.COM:8080/a/b?q=1#frag").unwrap();
    assert_eq!(
        (url.host.as_str(), url.port, url.path.as_str()),
        ("example.com", 8080, "/a/b?q=1")
    );
    assert_eq!(url.to_string(), "http://example.com:8080/a/b?q=1");
    let url = Url::parse("HTTP://h").unwrap();
    assert_eq!((url.port, url.path.as_str()), (80, "/"));
    assert_eq!(url.authority(), "h");
    assert_eq!(Url::parse("http://h?x").unwrap().path, "/?x");
    assert_eq!(Url::parse("http://h:/p").unwrap().port, 80);
    let url = Url::parse("http://[::1]:8080/x").unwrap();
    assert_eq!((url.host.as_str(), url.port), ("::1", 8080));
    assert_eq!(url.authority(), "[::1]:8080");
    assert_eq!(Url::parse("http://[::1]").unwrap().port, 80);
    assert_eq!(Url::parse("http://h/a b/é").unwrap().path, "/a%20b/%C3%A9");
    assert_eq!(Url::parse("http://h/a/../b/./c").unwrap().path, "/b/c");

    for (bad, why) in [
        ("https://h/", UrlError::Scheme),
        ("ftp://h/", UrlError::Scheme),
        ("h:80/x", UrlError::Scheme),
        ("/just/a/path", UrlError::Scheme),
        ("", UrlError::Scheme),
        ("http:/h", UrlError::Host),
        ("http://", UrlError::Host),
        ("http:///x", UrlError::Host),
        ("http://h h/", UrlError::Host),
        ("http://[::1/", UrlError::Host),
        ("http://[zz]/", UrlError::Host),
        ("http://[::1]x/", UrlError::Host),
        ("http://::1/", UrlError::Host),
        ("http://u:p@h/", UrlError::UserInfo),
        ("http://h:0/", UrlError::Port),
        ("http://h:65536/", UrlError::Port),
        ("http://h:8o/", UrlError::Port),
        ("http://h:-1/", UrlError::Port),
        ("http://h/a\r\nb", UrlError::Path),
    ] {
        assert_eq!(Url::parse(bad), Err(why), "{bad:?}");
    }
}

#[test]
fn locations_join() {
    let base = Url::parse("http://h:8080/a/b/c?q=1").unwrap();
    for (location, expected) in [
        (&b"http://other/x"[..], "http://other/x"),
        (b"HTTP://other:81", "http://other:81/"),
        (b"//other:82/y", "http://other:82/y"),
        (b"/abs/path?z", "http://h:8080/abs/path?z"),
        (b"rel", "http://h:8080/a/b/rel"),
        (b"../up", "http://h:8080/a/up"),
        (b"../../../../top", "http://h:8080/top"),
        (b"./", "http://h:8080/a/b/"),
        (b"?only=query", "http://h:8080/a/b/c?only=query"),
        (b"#frag", "http://h:8080/a/b/c?q=1"),
        (b" /trimmed ", "http://h:8080/trimmed"),
        (b"http://[::1]:9/v6", "http://[::1]:9/v6"),
    ] {
        let joined = base.join(location).unwrap();
        assert_eq!(
            joined.to_string(),
            expected,
            "{}",
            String::from_utf8_lossy(location)
        );
    }
    for (location, why) in [
        (&b""[..], UrlError::Empty),
        (b"   ", UrlError::Empty),
        (b"/caf\xe9", UrlError::NotUtf8),
        (b"https://h/", UrlError::Scheme),
        (b"mailto:x@y", UrlError::Scheme),
        (b"//", UrlError::Host),
        (b"/a\x00b", UrlError::Path),
    ] {
        assert_eq!(
            base.join(location),
            Err(why),
            "{}",
            String::from_utf8_lossy(location)
        );
    }
}
