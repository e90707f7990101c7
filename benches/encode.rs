//! Encoder throughput (bytes written per second): small events, 1 MiB of
//! data, multi-line data, and the resumable encoder through a 64-byte
//! buffer, also asking for the remaining length after every write (as a
//! sender that reports progress does); with a plain copy of the same number
//! of bytes for scale.
//!
//! `cargo bench --bench encode`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sse_wire::{Encoder, Frame, Progress};

fn bench(c: &mut Criterion) {
    let small: Vec<String> = (0..1000)
        .map(|n| format!("{{\"n\":{n},\"choices\":[{{\"delta\":{{\"content\":\"tok\"}}}}]}}"))
        .collect();
    let big: String = (0..1 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let multi: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    let mut out = vec![0u8; 4 << 20];

    let mut group = c.benchmark_group("encode");
    let small_len: usize = small
        .iter()
        .map(|d| {
            Frame::Event {
                event_type: Some("delta"),
                id: Some("1234"),
                data: Some(d),
            }
            .encoded_len()
            .unwrap()
        })
        .sum();
    group.throughput(Throughput::Bytes(small_len as u64));
    group.bench_function("1000 small events, to a slice", |b| {
        b.iter(|| {
            let mut at = 0;
            for data in &small {
                let frame = Frame::Event {
                    event_type: Some("delta"),
                    id: Some("1234"),
                    data: Some(data),
                };
                at += frame.encode_to_slice(&mut out[at..]).unwrap();
            }
            at
        });
    });

    for (name, data) in [("1 MiB data line", &big), ("multi-line data", &multi)] {
        let frame = Frame::data(data);
        let len = frame.encoded_len().unwrap();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new(name, "to a slice"), &frame, |b, frame| {
            b.iter(|| frame.encode_to_slice(&mut out).unwrap());
        });
        group.bench_with_input(
            BenchmarkId::new(name, "64-byte buffer"),
            &frame,
            |b, frame| {
                b.iter(|| {
                    let mut encoder = Encoder::new(frame).unwrap();
                    let mut tx = [0u8; 64];
                    let mut sent = 0;
                    loop {
                        let (progress, n) = encoder.encode(&mut tx);
                        sent += black_box(&tx[..n]).len();
                        if progress == Progress::Done {
                            return sent;
                        }
                    }
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new(name, "64-byte buffer, remaining_len after each write"),
            &frame,
            |b, frame| {
                b.iter(|| {
                    let mut encoder = Encoder::new(frame).unwrap();
                    let mut tx = [0u8; 64];
                    let mut left = 0usize;
                    loop {
                        let (progress, n) = encoder.encode(&mut tx);
                        black_box(&tx[..n]);
                        left = left.wrapping_add(black_box(encoder.remaining_len()));
                        if progress == Progress::Done {
                            return left;
                        }
                    }
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new(name, "memcpy of as many bytes"),
            &len,
            |b, &len| {
                let source = vec![b'x'; len];
                b.iter(|| {
                    out[..len].copy_from_slice(black_box(&source));
                    out[len - 1]
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
