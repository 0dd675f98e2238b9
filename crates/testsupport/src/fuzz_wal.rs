//! Entry points for the fuzz targets in `fuzz/` and the test that replays
//! their corpora: arbitrary bytes through the WAL record reader, the
//! request decoder and the `.snap` decoder. The only failure is a panic, a
//! hang or unbounded allocation.

use prost::Message;

/// The bytes as a WAL segment: framing, CRC chain, record decoding, then
/// every entry's request decoded as `etcdsnap wal` shows it.
pub fn wal_segment(data: &[u8]) {
    let wal = etcdsnap_wal::reader::read_bytes(data, "fuzz.wal");
    for e in &wal.entries {
        let _ = etcdsnap_wal::request::internal_text(&e.data);
        let _ = etcdsnap_wal::request::internal_json(&e.data);
        let _ = etcdsnap_wal::request::internal_kind(&e.data);
        let _ = etcdsnap_wal::request::v2_request(&e.data);
        let _ = etcdsnap_wal::proto::ConfChange::decode(e.data.as_slice());
    }
}

/// The bytes as a request payload, and as a `.snap` file.
pub fn request_and_snap(data: &[u8]) {
    let _ = etcdsnap_wal::request::internal_text(data);
    let _ = etcdsnap_wal::request::internal_json(data);
    let _ = etcdsnap_wal::request::v2_request(data);
    if let Ok(s) = etcdsnap_wal::snap::decode(data) {
        let _ = etcdsnap_wal::snap::encode(&s);
    }
}
