//! Server-Sent Events over `fetch()` in the browser, parsed by sse-wire.
//!
//! A browser's `EventSource` can only send GET, with no body and no
//! headers of the page's choosing. A POST that answers with an event
//! stream (how chat APIs stream their tokens) has to be read by hand from
//! the response body's `ReadableStream`. This module does it two ways:
//!
//! - [`chat`]: one POST, its body read as a [`futures_core::Stream`] of
//!   chunks through [`sse_wire::stream::EventStream`]; each event goes to a
//!   JavaScript callback.
//! - [`open_events`]: an `EventSource` of our own over `fetch()`, driven
//!   by the sans-IO client core [`sse_wire::client::Client`]: it sends
//!   `Last-Event-ID`, honours `retry`, backs off after failures, and can
//!   drop a connection that stays silent for too long. The page's
//!   `performance.now()` is the core's clock and `setTimeout` its sleep.
//!
//! Events reach JavaScript as plain objects `{type, data, lastEventId}`,
//! the fields of a `MessageEvent` that an `EventSource` listener reads.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::rc::Rc;

use futures_core::Stream;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array, JSON};
use sse_wire::client::{Action, Client, Config, ResponseHead, Verdict};
use sse_wire::stream::EventStream;
use sse_wire::{GrowableParser, Item, ReadError, Status};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, RequestInit, Response};

/// The most event data one event may carry, in bytes.
const DATA_CAP: usize = 1 << 20;
/// The most an event type or ID may take, in bytes.
const META_CAP: usize = 1024;

/// Sends `{"prompt": prompt}` to `url` with POST and hands each event of
/// the answer to `on_event` as `{type, data, lastEventId}`, as it arrives.
///
/// Resolves to `{complete, reads}`: `complete` is `true` when the body
/// ended between events, `false` when it cut an event off (that event is
/// dropped, as the standard says); `reads` counts the chunks the body
/// arrived in.
///
/// # Errors
///
/// Rejects with a message when the request fails, the status is not 200,
/// the content type is not `text/event-stream`, reading the body fails, or
/// an event is larger than 1 MiB.
#[wasm_bindgen]
pub async fn chat(url: String, prompt: String, on_event: Function) -> Result<JsValue, JsValue> {
    let body = Object::new();
    Reflect::set(&body, &"prompt".into(), &prompt.into())?;
    let headers = Headers::new()?;
    headers.set("Content-Type", "application/json")?;
    headers.set("Accept", "text/event-stream")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JSON::stringify(&body)?.into());
    let response: Response = JsFuture::from(window()?.fetch_with_str_and_init(&url, &init))
        .await?
        .dyn_into()?;
    let content_type = response.headers().get("content-type")?;
    if response.status() != 200 {
        return Err(format!("{url} answered HTTP {}", response.status()).into());
    }
    if !content_type.as_deref().is_some_and(is_event_stream) {
        return Err(format!("{url} did not answer text/event-stream: {content_type:?}").into());
    }
    let chunks = BodyChunks::new(&response)?;
    let parser = GrowableParser::with_caps(DATA_CAP, META_CAP);
    let mut events = EventStream::with_parser(chunks, parser);
    while let Some(item) = next(&mut events).await {
        match item {
            Ok(Item::Event(event)) => {
                on_event.call1(
                    &JsValue::NULL,
                    &event_object(event.event_type(), event.data(), event.last_event_id())?,
                )?;
            }
            Ok(_) => {}
            Err(ReadError::Transport(error)) => return Err(error),
            Err(ReadError::Parse(error)) => return Err(error.to_string().into()),
            Err(_) => return Err("the body could not be read".into()),
        }
    }
    let complete = events.end().is_some_and(|end| end.is_complete());
    let done = Object::new();
    Reflect::set(&done, &"complete".into(), &complete.into())?;
    Reflect::set(&done, &"reads".into(), &events.get_ref().reads.into())?;
    Ok(done.into())
}

/// Opens an event stream at `url` with GET over `fetch()`, reconnecting
/// as an `EventSource` does, and returns the handle that closes it.
///
/// Each event goes to `on_event` as `{type, data, lastEventId}`.
/// `on_state` hears what the connection does, as `(state, detail)`:
/// `"connecting"` (detail: the `Last-Event-ID` sent, or `""`), `"open"`,
/// `"retry"` (a new reconnection time), `"ended"` (detail: `"complete"`
/// or `"cut"`, whether an event was cut off), `"error"` (what failed),
/// `"waiting"` (detail: the milliseconds until the next attempt),
/// `"skipped"` (an event too large), `"done"` (HTTP 204), `"failed"`
/// (for good: detail says why) and `"closed"` (by [`EventSourceHandle::close`]).
///
/// `idle_timeout_ms`: drop and reconnect a connection on which nothing,
/// not even a comment, arrived for this long (none: wait for ever).
/// `min_retry_ms`: the floor of the reconnection time whatever the server
/// asks (none: 500 ms).
#[wasm_bindgen]
pub fn open_events(
    url: String,
    on_event: Function,
    on_state: Function,
    idle_timeout_ms: Option<u32>,
    min_retry_ms: Option<u32>,
) -> EventSourceHandle {
    let mut config = Config::new().with_idle_timeout_ms(idle_timeout_ms.map(u64::from));
    if let Some(floor) = min_retry_ms {
        config = config.with_retry_range_ms(u64::from(floor), config.max_retry_ms());
    }
    // Each page draws its own jitter, so that pages that lost the server
    // together do not all come back at the same moment.
    let seed = (js_sys::Math::random() * 2f64.powi(53)) as u64;
    let client = Client::new(GrowableParser::with_caps(DATA_CAP, META_CAP), config).with_seed(seed);
    let shared = Rc::new(Shared::default());
    let run = Run {
        url,
        on_event,
        on_state,
        shared: Rc::clone(&shared),
        failure: RefCell::new(None),
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = run.run(client).await {
            let _ = run.on_state.call2(&JsValue::NULL, &"failed".into(), &error);
        }
    });
    EventSourceHandle { shared }
}

/// Closes a stream that [`open_events`] opened.
#[wasm_bindgen]
pub struct EventSourceHandle {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl EventSourceHandle {
    /// Stops the stream: the connection in progress is aborted, a wait is
    /// cut short, and no event is delivered after this returns.
    pub fn close(&self) {
        self.shared.closed.set(true);
        if let Some(controller) = self.shared.controller.borrow_mut().take() {
            controller.abort();
        }
        if let Some(wake) = self.shared.wake.borrow_mut().take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// What the running stream and its handle share.
#[derive(Default)]
struct Shared {
    closed: Cell<bool>,
    /// Aborts the request or body in progress.
    controller: RefCell<Option<AbortController>>,
    /// Ends the wait in progress.
    wake: RefCell<Option<Function>>,
}

/// One stream opened by [`open_events`].
struct Run {
    url: String,
    on_event: Function,
    on_state: Function,
    shared: Rc<Shared>,
    /// Why the server's response failed the stream for good.
    failure: RefCell<Option<String>>,
}

/// How a promise raced against a deadline settled.
enum Settled {
    Value(JsValue),
    Error(JsValue),
    /// The deadline came first.
    Late,
}

impl Run {
    fn state(&self, state: &str, detail: &str) -> Result<(), JsValue> {
        self.on_state
            .call2(&JsValue::NULL, &state.into(), &detail.into())
            .map(drop)
    }

    /// The client core's loop: what [`Client::poll`] says, until the
    /// stream is over or closed.
    async fn run(&self, mut client: Client<GrowableParser>) -> Result<(), JsValue> {
        let mut buffer = Vec::new();
        loop {
            if self.shared.closed.get() {
                return self.state("closed", "");
            }
            let now = now_ms()?;
            match client.poll(now) {
                Action::Connect => self.connect(&mut client, &mut buffer).await?,
                Action::Wait { until } => {
                    let wait = until.saturating_sub(now);
                    self.state("waiting", &wait.to_string())?;
                    self.sleep(wait).await?;
                }
                Action::Done => return self.state("done", ""),
                Action::Failed => {
                    let why = self.failure.borrow_mut().take().unwrap_or_else(|| {
                        format!("gave up after {} failed attempts", client.attempts())
                    });
                    return self.state("failed", &why);
                }
                // Read and Drop happen only while a connection is open,
                // inside `connect`.
                _ => {
                    client.disconnected(now);
                }
            }
        }
    }

    /// One connection: the request, the verdict on its head, and its body
    /// fed to the client until it ends, fails, goes idle or is closed.
    async fn connect(
        &self,
        client: &mut Client<GrowableParser>,
        buffer: &mut Vec<u8>,
    ) -> Result<(), JsValue> {
        let headers = Headers::new()?;
        for (name, value) in client.request_headers() {
            headers.set(name, value)?;
        }
        self.state("connecting", client.last_event_id())?;
        let controller = AbortController::new()?;
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        init.set_signal(Some(&controller.signal()));
        *self.shared.controller.borrow_mut() = Some(controller.clone());
        let request = window()?.fetch_with_str_and_init(&self.url, &init);

        let response: Response = loop {
            match self.settle(client, &request).await? {
                Some(Settled::Value(response)) => break response.dyn_into()?,
                Some(Settled::Error(error)) => return self.lost(client, &error),
                // Ask the client again: it says whether to go on waiting.
                Some(Settled::Late) => {}
                None => return self.drop_connection(client, &controller),
            }
        };
        let header = |name| response.headers().get(name);
        let (content_type, retry_after) = (header("content-type")?, header("retry-after")?);
        let head = ResponseHead::new(response.status())
            .with_content_type(content_type.as_deref().map(str::as_bytes))
            .with_retry_after(retry_after.as_deref().map(str::as_bytes));
        let verdict = client.response(now_ms()?, &head);
        match verdict {
            Verdict::Open => self.state("open", "")?,
            // The client says Done or Failed from now on; `run` reports it.
            Verdict::Done => return Ok(()),
            Verdict::Fail(why) => {
                controller.abort();
                *self.failure.borrow_mut() = Some(why.to_string());
                return Ok(());
            }
            // Retry: the client waits; fetch follows redirects itself, so
            // a Redirect verdict does not come.
            _ => {
                controller.abort();
                client.disconnected(now_ms()?);
                return Ok(());
            }
        }

        let reader = BodyChunks::reader(&response)?;
        // A read that is still out when the deadline comes stays out: its
        // chunk is the next one.
        let mut read = None;
        loop {
            let promise = read.get_or_insert_with(|| reader.read());
            let chunk = match self.settle(client, promise).await? {
                Some(Settled::Value(chunk)) => chunk,
                Some(Settled::Error(error)) => return self.lost(client, &error),
                Some(Settled::Late) => continue,
                None => return self.drop_connection(client, &controller),
            };
            read = None;
            if !copy_chunk(&chunk, buffer)? {
                let end = client.disconnected(now_ms()?);
                let detail = if end.is_complete() { "complete" } else { "cut" };
                return self.state("ended", detail);
            }
            let now = now_ms()?;
            let mut input = &buffer[..];
            loop {
                if self.shared.closed.get() {
                    return Ok(());
                }
                match client.feed(now, &mut input) {
                    Ok(Status::NeedInput) => break,
                    Ok(Status::Event(event)) => {
                        let event =
                            event_object(event.event_type(), event.data(), event.last_event_id())?;
                        self.on_event.call1(&JsValue::NULL, &event)?;
                    }
                    Ok(Status::Retry(_)) => self.state("retry", &client.retry_ms().to_string())?,
                    Ok(_) => {}
                    Err(error) => self.state("skipped", &error.to_string())?,
                }
            }
        }
    }

    /// Waits for `promise` as long as the client allows: `None` when the
    /// client says to drop the connection (the idle timeout ran out) or
    /// the stream was closed, `Some(Late)` when the deadline came and the
    /// client should be asked again.
    async fn settle(
        &self,
        client: &mut Client<GrowableParser>,
        promise: &Promise,
    ) -> Result<Option<Settled>, JsValue> {
        if self.shared.closed.get() {
            return Ok(None);
        }
        let now = now_ms()?;
        let deadline = match client.poll(now) {
            Action::Read { deadline } => deadline,
            _ => return Ok(None),
        };
        let settled = match deadline {
            None => JsFuture::from(promise.clone()).await,
            Some(deadline) => {
                let (timer, handle) = timer(deadline.saturating_sub(now))?;
                let race = Promise::race(&js_sys::Array::of2(promise, &timer));
                let settled = JsFuture::from(race).await;
                window()?.clear_timeout_with_handle(handle);
                match settled {
                    // Only the timer settles with `undefined`: a response
                    // and a read result are objects.
                    Ok(value) if value.is_undefined() => return Ok(Some(Settled::Late)),
                    other => other,
                }
            }
        };
        if self.shared.closed.get() {
            return Ok(None);
        }
        Ok(Some(match settled {
            Ok(value) => Settled::Value(value),
            Err(error) => Settled::Error(error),
        }))
    }

    /// The request or the body failed: the client plans the reconnection.
    fn lost(&self, client: &mut Client<GrowableParser>, error: &JsValue) -> Result<(), JsValue> {
        client.disconnected(now_ms()?);
        let text = error.dyn_ref::<js_sys::Error>().map_or_else(
            || format!("{error:?}"),
            |error| String::from(error.message()),
        );
        self.state("error", &text)
    }

    /// Ends the connection the client gave up on (idle) or the page closed.
    fn drop_connection(
        &self,
        client: &mut Client<GrowableParser>,
        controller: &AbortController,
    ) -> Result<(), JsValue> {
        controller.abort();
        client.disconnected(now_ms()?);
        if self.shared.closed.get() {
            Ok(())
        } else {
            self.state("error", "nothing arrived for the idle timeout")
        }
    }

    /// Sleeps `ms` milliseconds, or until the stream is closed.
    async fn sleep(&self, ms: u64) -> Result<(), JsValue> {
        let mut wake = None;
        let mut handle = 0;
        let mut error = None;
        let promise = Promise::new(&mut |resolve: Function, _reject| {
            match window().and_then(|window| {
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, clamp_ms(ms))
            }) {
                Ok(id) => handle = id,
                Err(failure) => error = Some(failure),
            }
            wake = Some(resolve);
        });
        if let Some(error) = error {
            return Err(error);
        }
        *self.shared.wake.borrow_mut() = wake;
        JsFuture::from(promise).await?;
        self.shared.wake.borrow_mut().take();
        window()?.clear_timeout_with_handle(handle);
        Ok(())
    }
}

/// A promise that resolves to `undefined` after `ms` milliseconds, and
/// the timer's handle.
fn timer(ms: u64) -> Result<(Promise, i32), JsValue> {
    let mut handle = Ok(0);
    let promise = Promise::new(&mut |resolve: Function, _reject| {
        handle = window().and_then(|window| {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, clamp_ms(ms))
        });
    });
    Ok((promise, handle?))
}

/// A delay in milliseconds as `setTimeout` takes it.
fn clamp_ms(ms: u64) -> i32 {
    i32::try_from(ms).unwrap_or(i32::MAX)
}

/// A response body as a [`Stream`] of byte chunks: each item is one
/// `read()` of its `ReadableStream`, copied out of JavaScript memory.
struct BodyChunks {
    reader: ReadableStreamDefaultReader,
    pending: Option<JsFuture>,
    done: bool,
    /// The chunks read so far.
    reads: u32,
}

impl BodyChunks {
    fn new(response: &Response) -> Result<Self, JsValue> {
        Ok(BodyChunks {
            reader: Self::reader(response)?,
            pending: None,
            done: false,
            reads: 0,
        })
    }

    /// The reader of a response's body.
    fn reader(response: &Response) -> Result<ReadableStreamDefaultReader, JsValue> {
        let body = response.body().ok_or("the response has no body")?;
        body.get_reader().dyn_into().map_err(JsValue::from)
    }
}

impl Stream for BodyChunks {
    type Item = Result<Vec<u8>, JsValue>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let reader = &this.reader;
        let pending = this
            .pending
            .get_or_insert_with(|| JsFuture::from(reader.read()));
        let Poll::Ready(result) = Pin::new(pending).poll(cx) else {
            return Poll::Pending;
        };
        this.pending = None;
        let mut chunk = Vec::new();
        let item = result.and_then(|result| copy_chunk(&result, &mut chunk));
        match item {
            Ok(true) => {
                this.reads += 1;
                Poll::Ready(Some(Ok(chunk)))
            }
            Ok(false) => {
                this.done = true;
                Poll::Ready(None)
            }
            Err(error) => {
                this.done = true;
                Poll::Ready(Some(Err(error)))
            }
        }
    }
}

/// Copies the bytes of a `read()` result `{done, value}` into `buffer`;
/// `false` when the body is over.
fn copy_chunk(result: &JsValue, buffer: &mut Vec<u8>) -> Result<bool, JsValue> {
    if Reflect::get(result, &"done".into())?.is_truthy() {
        return Ok(false);
    }
    let bytes: Uint8Array = Reflect::get(result, &"value".into())?.dyn_into()?;
    buffer.resize(bytes.length() as usize, 0);
    bytes.copy_to(buffer);
    Ok(true)
}

/// The next item of a stream, without a combinator crate.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    core::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// `{type, data, lastEventId}`, as an `EventSource` listener reads them.
fn event_object(event_type: &str, data: &str, last_event_id: &str) -> Result<JsValue, JsValue> {
    let event = Object::new();
    Reflect::set(&event, &"type".into(), &event_type.into())?;
    Reflect::set(&event, &"data".into(), &data.into())?;
    Reflect::set(&event, &"lastEventId".into(), &last_event_id.into())?;
    Ok(event.into())
}

/// Whether a `Content-Type` value is `text/event-stream`, parameters
/// allowed.
fn is_event_stream(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("text/event-stream")
}

fn window() -> Result<web_sys::Window, JsValue> {
    web_sys::window().ok_or_else(|| "no window: this module runs in a page".into())
}

/// The client core's clock: `performance.now()` in whole milliseconds,
/// monotonic for the page's life.
fn now_ms() -> Result<u64, JsValue> {
    let performance = window()?
        .performance()
        .ok_or("no performance clock in this page")?;
    Ok(performance.now() as u64)
}
