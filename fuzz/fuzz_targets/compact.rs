#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    etcdsnap_bbolt::fuzzing::compact_round_trip(data);
});
