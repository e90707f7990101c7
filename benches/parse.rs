//! Parser throughput on the workloads of `benches/workloads.rs`, fed as one
//! chunk, in 4 KiB chunks, and (W1, scaled down) one byte per call.
//!
//! `cargo bench --bench parse`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sse_wire::{Parser, Status};

mod workloads;
use workloads::*;

/// Parses `input` in `chunk`-byte chunks; returns the number of events.
fn parse<const DATA: usize>(parser: &mut Parser<DATA, 64>, input: &[u8], chunk: usize) -> usize {
    let mut events = 0;
    for piece in input.chunks(chunk) {
        let mut rest = piece;
        loop {
            match parser.next(&mut rest) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => events += usize::from(!event.data().is_empty()),
                _ => {}
            }
        }
    }
    events
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(20);
    let workloads: Vec<(&str, Vec<u8>)> = vec![
        ("W1 small events", w1_small_events(100_000).bytes),
        ("W2 LLM tokens", w2_llm_tokens(200_000).bytes),
        ("W3 1 MiB lines", w3_large_lines(64, 1 << 20).bytes),
        ("W4 50-line events", w4_multi_line(2_000).bytes),
        ("W5 CRLF", w5_crlf(100_000).bytes),
        ("W6 keep-alive", w6_keep_alive(100_000).bytes),
    ];
    // Room for W3's 1 MiB events; boxed, as it is large.
    let mut parser = Box::new(Parser::<{ 1 << 20 }, 64>::new());
    for (name, input) in &workloads {
        group.throughput(Throughput::Bytes(input.len() as u64));
        for (feed, chunk) in [("one chunk", input.len()), ("4 KiB chunks", 4096)] {
            group.bench_with_input(BenchmarkId::new(*name, feed), input, |b, input| {
                b.iter(|| parse(&mut parser, input, chunk));
            });
        }
    }
    let small = w1_small_events(5_000).bytes;
    group.throughput(Throughput::Bytes(small.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("W1 small events", "1 byte per call"),
        &small,
        |b, input| {
            b.iter(|| parse(&mut parser, input, 1));
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
