//! Linear time: the parser's cost per byte does not grow with line length,
//! event size or chunking. Each input comes in two sizes, 16 times apart;
//! equal throughput (MiB/s) at both sizes is the evidence.
//!
//! `cargo bench --bench linear`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sse_wire::{Buffer, EventParser, Full, Status};

/// Capped bytes, so that events of many MiB fit.
#[derive(Clone)]
struct Big(Vec<u8>, usize);

impl Buffer for Big {
    fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    fn try_extend(&mut self, bytes: &[u8]) -> Result<(), Full> {
        if self.0.len() + bytes.len() > self.1 {
            return Err(Full);
        }
        self.0.extend_from_slice(bytes);
        Ok(())
    }
    fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }
    fn clear(&mut self) {
        self.0.clear();
    }
    fn capacity(&self) -> usize {
        self.1
    }
}

/// Parses `input` in `chunk`-byte chunks; returns events + reports seen.
fn parse(input: &[u8], chunk: usize) -> usize {
    let data = Big(Vec::with_capacity(32 << 20), 32 << 20);
    let mut parser = EventParser::with_buffers(data, Big(Vec::new(), 64)).with_comments(true);
    let mut seen = 0;
    for piece in input.chunks(chunk) {
        let mut rest = piece;
        loop {
            match parser.next(&mut rest) {
                Ok(Status::NeedInput) => break,
                _ => seen += 1,
            }
        }
    }
    seen
}

/// The inputs, at `n` units each.
fn inputs(n: usize) -> Vec<(&'static str, Vec<u8>)> {
    let mut line = b"data: ".to_vec();
    line.resize(16 * n, b'x');
    let mut data_lines = b"data: x\n".repeat(n);
    data_lines.push(b'\n');
    let mut unknown = Vec::new();
    for _ in 0..16 {
        unknown.extend(std::iter::repeat_n(b'z', n));
        unknown.extend_from_slice(b": v\n");
    }
    vec![
        ("line without end", line),
        ("bare CRs", vec![b'\r'; n]),
        ("data lines in one event", data_lines),
        ("comment lines", b": keep-alive\n".repeat(n)),
        ("long unknown names", unknown),
    ]
}

fn linear(c: &mut Criterion) {
    let mut group = c.benchmark_group("linear");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(300));
    group.measurement_time(std::time::Duration::from_secs(2));
    // 64 Ki and 1 Mi units: the full sizes are a 16 MiB line, 1 M CRs,
    // 1 M data lines, 1 M comment lines, 16 names of 1 MiB.
    for n in [1 << 16, 1 << 20] {
        for (name, input) in inputs(n) {
            group.throughput(Throughput::Bytes(input.len() as u64));
            for (feed, chunk) in [("1KiB chunks", 1024), ("1 byte per call", 1)] {
                let id = BenchmarkId::new(format!("{name}/{feed}"), input.len());
                group.bench_with_input(id, &input, |b, input| b.iter(|| parse(input, chunk)));
            }
        }
    }
    group.finish();
}

criterion_group!(benches, linear);
criterion_main!(benches);
