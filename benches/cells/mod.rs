//! What the side-by-side comparisons (`benches/compare/` for parsers,
//! `benches/writers/` for writers) share: every cell of a table runs in a
//! process of its own, so that a contestant that takes too long can be
//! stopped, and reports back as `key value` lines on its standard output.
//!
//! The parent runs [`spawn_cell`]; the child calls [`watchdog`] before its
//! first run and [`first_run_done`] after it, and prints its report.
#![allow(dead_code)]

use std::pin::Pin;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;

/// How a cell's process ended.
#[derive(Debug)]
pub enum Outcome<R> {
    /// It ended and reported; the report, read by the caller's parser.
    Done(R),
    /// Its first run took longer than the timeout.
    TimedOut,
    /// It panicked (a contestant's error) or was killed.
    Failed(ExitStatus),
}

/// Runs cell (`row`, `who`) of this program in a child process with these
/// flags (`--timeout`, and `--quick`, `--check` when asked), reading its
/// report with `read`, one `key value` line at a time. The child stops
/// itself once its first run has taken longer than `timeout` (and says
/// `timeout`); one that hangs anyway is killed.
pub fn spawn_cell<R: Default>(
    row: usize,
    who: &str,
    timeout: Duration,
    quick: bool,
    check: bool,
    mut read: impl FnMut(&mut R, &str, &str),
) -> Outcome<R> {
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    command.args(["--cell", &row.to_string(), who]);
    command.args(["--timeout", &timeout.as_secs().to_string()]);
    if quick {
        command.arg("--quick");
    }
    if check {
        command.arg("--check");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("start a cell");
    let mut stdout = child.stdout.take().expect("a pipe");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).expect("read a cell's report");
        out
    });
    // The child's own watchdog stops it; this is for one that hangs.
    let hard_limit = timeout * 3 + Duration::from_secs(60);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for a cell") {
            break status;
        }
        if start.elapsed() > hard_limit {
            let _ = child.kill();
            eprintln!("  {who}: killed after {hard_limit:?}");
            break child.wait().expect("wait for a cell");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = reader.join().expect("the reader");
    if !status.success() {
        return Outcome::Failed(status);
    }
    let mut report = R::default();
    for line in out.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        if key == "timeout" {
            return Outcome::TimedOut;
        }
        read(&mut report, key, value);
    }
    Outcome::Done(report)
}

/// Set once the first run of a cell has ended.
static FIRST_RUN_DONE: AtomicBool = AtomicBool::new(false);

/// In a cell's process: stops it, saying `timeout`, if the first run has
/// not ended once `timeout` has passed, one that may never end in
/// reasonable time.
pub fn watchdog(timeout: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        if !FIRST_RUN_DONE.load(Ordering::SeqCst) {
            println!("timeout {}", timeout.as_secs());
            std::process::exit(0);
        }
    });
}

/// In a cell's process: the first run has ended.
pub fn first_run_done() {
    FIRST_RUN_DONE.store(true, Ordering::SeqCst);
}

/// A speed for the table: whole MiB/s from 100 up, one decimal below.
pub fn format_speed(mib_per_s: f64) -> String {
    if mib_per_s >= 100.0 {
        format!("{mib_per_s:.0}")
    } else {
        format!("{mib_per_s:.1}")
    }
}

/// A `Stream` over an iterator whose items are all ready.
pub struct Ready<I>(pub I);

impl<I: Iterator + Unpin> Stream for Ready<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.0.next())
    }
}
