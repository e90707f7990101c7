//! What keeps the server up whatever clients do: a cap on concurrent
//! connections, a rate limit on the log, a back-off for `accept` errors,
//! and a thread that closes refused connections gently.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The connections being served, at most `max`.
pub struct Slots {
    taken: AtomicUsize,
    max: usize,
}

/// One connection's place among the [`Slots`]; freed when dropped.
pub struct Slot(Arc<Slots>);

impl Slots {
    /// Room for `max` connections.
    pub fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            taken: AtomicUsize::new(0),
            max,
        })
    }

    /// A place, if one is free.
    pub fn take(self: &Arc<Self>) -> Option<Slot> {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < self.max).then_some(taken + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(self)))
    }

    /// How many are taken.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Lines to standard error, at most [`Notes::PER_SECOND`] a second; the
/// rest are counted and reported in one line later, so no client can flood
/// the log.
pub struct Notes {
    state: Mutex<NoteState>,
}

struct NoteState {
    window: Instant,
    printed: u32,
    suppressed: u64,
}

impl Default for Notes {
    fn default() -> Self {
        Notes {
            state: Mutex::new(NoteState {
                window: Instant::now(),
                printed: 0,
                suppressed: 0,
            }),
        }
    }
}

impl Notes {
    /// The most lines written in a second.
    pub const PER_SECOND: u32 = 5;

    /// Writes `serve: {line}`, unless this second's lines are used up.
    pub fn note(&self, line: fmt::Arguments<'_>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.roll();
        if state.printed < Self::PER_SECOND {
            state.printed += 1;
            let _ = writeln!(io::stderr().lock(), "serve: {line}");
        } else {
            state.suppressed += 1;
        }
    }

    /// Reports the lines suppressed, once their second is over.
    pub fn flush(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).roll();
    }
}

impl NoteState {
    fn roll(&mut self) {
        if self.window.elapsed() < Duration::from_secs(1) {
            return;
        }
        if self.suppressed > 0 {
            let _ = writeln!(
                io::stderr().lock(),
                "serve: {} more lines suppressed",
                self.suppressed
            );
        }
        *self = NoteState {
            window: Instant::now(),
            printed: u32::from(self.suppressed > 0),
            suppressed: 0,
        };
    }
}

/// The wait after a failed `accept`: 1 ms, doubling to 1 s, back to the
/// start after a success. When the process is out of file descriptors,
/// `accept` fails at once for as long as that lasts; waiting keeps the
/// loop from spinning, and the pending connection is taken once a
/// descriptor is free.
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: Self::FIRST }
    }
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(1);
    const MOST: Duration = Duration::from_secs(1);

    /// How long to wait now; the next wait is twice as long.
    pub fn fail(&mut self) -> Duration {
        let wait = self.next;
        self.next = (wait * 2).min(Self::MOST);
        wait
    }

    /// An `accept` succeeded.
    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

/// Answers connections that are not served (too many clients, no thread
/// to serve them) with a short response and closes them gently: the
/// answer is written at once, and a thread of its own then reads and drops
/// what the client still sends for a moment, so that closing does not
/// reset the connection before the client has read the answer. It holds
/// at most [`Refuser::HELD`] connections; past that the oldest is closed.
#[derive(Clone)]
pub struct Refuser {
    queue: SyncSender<TcpStream>,
}

impl Refuser {
    /// The most connections held at once.
    pub const HELD: usize = 64;
    /// How long a refused connection is held at most.
    const LINGER: Duration = Duration::from_millis(500);

    /// Starts the refusing thread.
    pub fn start() -> io::Result<Refuser> {
        let (queue, incoming) = mpsc::sync_channel(Self::HELD);
        thread::Builder::new()
            .name("refuser".into())
            .stack_size(64 * 1024)
            .spawn(move || linger(&incoming))?;
        Ok(Refuser { queue })
    }

    /// Writes `response` to `stream` without blocking, and hands it over
    /// to be closed.
    pub fn refuse(&self, stream: TcpStream, response: &[u8]) {
        if stream.set_nonblocking(true).is_err() {
            return;
        }
        let _ = (&stream).write(response);
        let _ = stream.shutdown(Shutdown::Write);
        // A full queue closes it now.
        let _ = self.queue.try_send(stream);
    }
}

/// Drains refused connections until they end or have been held long enough.
fn linger(incoming: &Receiver<TcpStream>) {
    let mut held: VecDeque<(TcpStream, Instant)> = VecDeque::new();
    let mut scratch = [0u8; 4096];
    loop {
        if held.is_empty() {
            match incoming.recv() {
                Ok(stream) => held.push_back((stream, Instant::now())),
                Err(_) => return,
            }
        }
        loop {
            match incoming.try_recv() {
                Ok(stream) => {
                    if held.len() == Refuser::HELD {
                        held.pop_front();
                    }
                    held.push_back((stream, Instant::now()));
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        held.retain_mut(|(stream, since)| {
            if since.elapsed() > Refuser::LINGER {
                return false;
            }
            // Up to 16 reads a round: what a client sends is dropped.
            for _ in 0..16 {
                match stream.read(&mut scratch) {
                    Ok(0) => return false,
                    Ok(_) => continue,
                    Err(error) => return error.kind() == io::ErrorKind::WouldBlock,
                }
            }
            true
        });
        thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_taken_and_freed() {
        let slots = Slots::new(2);
        let a = slots.take().unwrap();
        let b = slots.take().unwrap();
        assert!(slots.take().is_none());
        drop(a);
        assert_eq!(slots.taken(), 1);
        assert!(slots.take().is_some());
        drop(b);
        assert_eq!(slots.taken(), 0);
    }

    #[test]
    fn backoff_doubles_to_a_second_and_resets() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..12).map(|_| backoff.fail().as_millis() as u64).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.fail(), Duration::from_millis(1));
    }
}
