#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    etcdsnap_testsupport::fuzz_k8s::stored_value(data);
});
