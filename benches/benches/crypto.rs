//! WXBizMsgCrypt on the callback path: encrypt + sign (what the mock does per push) and verify + decrypt (what a
//! bot does), at a typical message size and a large one.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wecom_wire::crypto::MsgCrypt;

fn bench(c: &mut Criterion) {
    let crypt = MsgCrypt::new(
        "DemoBotCallbackToken",
        "DemoBotEncodingAESKey0123456789abcdefghijkA",
        "ww5e2d1c0b9a8f7e6d",
    )
    .expect("demo keys");
    let mut g = c.benchmark_group("crypto");
    for size in [256usize, 4096] {
        let msg = vec![b'x'; size];
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_with_input(BenchmarkId::new("encrypt_sign", size), &msg, |b, msg| {
            b.iter(|| {
                let enc = crypt.encrypt(msg, &[7; 16]);
                crypt.signature("1764000000", "1234567890", &enc)
            })
        });
        let enc = crypt.encrypt(&msg, &[7; 16]);
        let sig = crypt.signature("1764000000", "1234567890", &enc);
        g.bench_with_input(BenchmarkId::new("verify_decrypt", size), &enc, |b, enc| {
            b.iter(|| {
                crypt
                    .decrypt_verified(&sig, "1764000000", "1234567890", enc)
                    .expect("valid")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
