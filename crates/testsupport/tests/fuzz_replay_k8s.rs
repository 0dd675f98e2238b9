//! Replays the k8s_value fuzz target's committed inputs (values written
//! by the apiserver's serializers through `k8sgolden`: protobuf, JSON and
//! CBOR, and one envelope naming an unknown kind), artifacts and corpus
//! through the entry point the target calls.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use etcdsnap_testsupport::fuzz_k8s::stored_value;
use etcdsnap_testsupport::fuzz_regressions::replay;

#[test]
fn replay_k8s_value() {
    assert!(replay("k8s_value", stored_value) >= 40);
    // Hostile cases that need no corpus: empty, a bare envelope magic, an
    // envelope whose raw object claims more bytes than there are, a deep
    // JSON array, a CBOR tag with nothing after it.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    for case in [
        &b""[..],
        b"k8s\0",
        b"k8s\0\x0a\x04\x0a\x02v1\x12\xff\x01",
        deep.as_bytes(),
        &[0xd9, 0xd9, 0xf7][..],
    ] {
        stored_value(case);
    }
}
