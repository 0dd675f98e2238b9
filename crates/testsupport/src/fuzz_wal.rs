//! Entry points for the fuzz targets in `fuzz/` and the test that replays
//! their corpora: arbitrary bytes through the WAL record reader, the
//! request decoder and the `.snap` decoder. The only failure is a panic, a
//! hang or unbounded allocation.

use etcdsnap_wal::etcdserverpb::{InternalRaftRequest, Request};
use etcdsnap_wal::request;
use prost::Message;

/// A request payload decoded as etcd decodes it (an internal request,
/// else a v2 request) and shown as `etcdsnap wal` shows it.
fn show(data: &[u8]) {
    match InternalRaftRequest::decode(data) {
        Ok(r) => {
            let _ = request::text(&r, data);
            let _ = request::json(&r);
        }
        Err(_) => {
            if let Ok(r) = Request::decode(data) {
                let _ = request::v2_json(&r);
            }
        }
    }
}

/// The bytes as a WAL segment: framing, CRC chain, record decoding, then
/// every entry's request decoded as `etcdsnap wal` shows it.
pub fn wal_segment(data: &[u8]) {
    let wal = etcdsnap_wal::reader::read_bytes(data, "fuzz.wal");
    for e in &wal.entries {
        show(&e.data);
        let _ = etcdsnap_wal::proto::ConfChange::decode(e.data.as_slice());
    }
}

/// The bytes as a request payload, and as a `.snap` file.
pub fn request_and_snap(data: &[u8]) {
    show(data);
    if let Ok(s) = etcdsnap_wal::snap::decode(data) {
        let _ = etcdsnap_wal::snap::encode(&s);
    }
}
