#![no_main]

use libfuzzer_sys::fuzz_target;

/// The db the WAL is replayed over: a real etcd 3.5.1 snapshot.
static DB: &[u8] = include_bytes!("../../testdata/etcd/etcd-3.5.1.small.snapshot.db");

fuzz_target!(|data: &[u8]| {
    etcdsnap_testsupport::fuzz_etcd::replay_wal(DB, data);
});
