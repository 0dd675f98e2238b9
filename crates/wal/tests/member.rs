//! The WAL of a real etcd 3.5.1 member (testdata/etcd/etcd-3.5.1-member.tar.gz):
//! decoded records match what etcd recorded about it; damage is located and
//! everything before it is kept; a torn last write is recognised.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use etcdsnap_wal::reader::{read_dir, record_type};

fn member() -> (tempfile::TempDir, PathBuf) {
    let tgz = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/etcd/etcd-3.5.1-member.tar.gz");
    let dir = tempfile::tempdir().unwrap();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(tgz).unwrap(),
    ));
    ar.unpack(dir.path()).unwrap();
    let wal = dir.path().join("member/wal");
    (dir, wal)
}

fn segment(wal: &Path) -> PathBuf {
    wal.join("0000000000000000-0000000000000000.wal")
}

/// (offset, data offset, data length, type) of every record, by framing alone.
fn frames(bytes: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut v = Vec::new();
    let mut off = 0;
    while off + 8 <= bytes.len() {
        let l = i64::from_le_bytes(bytes[off..off + 8].try_into().unwrap());
        if l == 0 {
            break;
        }
        let rec = ((l as u64) & !(0xffu64 << 56)) as usize;
        let pad = if l < 0 {
            (((l as u64) >> 56) & 7) as usize
        } else {
            0
        };
        v.push((off, off + 8, rec));
        off += 8 + rec + pad;
    }
    v
}

#[test]
fn reads_what_etcd_wrote() {
    let (_d, wal) = member();
    let w = read_dir(&wal).unwrap();
    assert!(w.damage.is_none(), "{:?}", w.damage);
    // testdata/etcd/fixtures-info.txt: member d449f37c6e82c196, cluster
    // 7f68ae8e2ccb2de4, raft term 2, snapshot file 0000000000000002-0000000000000033.snap.
    let m = &w.metadata[0];
    assert_eq!(m.node_id, 0xd449_f37c_6e82_c196);
    assert_eq!(m.cluster_id, 0x7f68_ae8e_2ccb_2de4);
    assert!(
        w.snapshots.iter().any(|s| s.index == 0),
        "the initial snapshot marker"
    );
    assert!(
        w.snapshots.iter().any(|s| s.index == 0x33 && s.term == 2),
        "{:?}",
        w.snapshots
    );
    let hs = w.hard_state.clone().unwrap();
    assert_eq!(hs.term, 2);
    // Entries: contiguous indexes from 1, the first a conf change (member add).
    assert!(w.entries.len() > 50);
    assert_eq!(w.entries[0].index, 1);
    assert_eq!(w.entries[0].r#type, 1);
    assert!(w.entries.windows(2).all(|p| p[1].index == p[0].index + 1));
    assert!(w.entries.last().unwrap().index >= hs.commit);
    // Every framed record was read.
    let bytes = std::fs::read(segment(&wal)).unwrap();
    assert_eq!(w.records as usize, frames(&bytes).len());
    let _ = record_type::CRC;
}

#[test]
fn a_flipped_byte_is_located_and_earlier_entries_kept() {
    let (_d, wal) = member();
    let clean = read_dir(&wal).unwrap();
    let path = segment(&wal);
    let mut bytes = std::fs::read(&path).unwrap();
    let f = frames(&bytes);
    let (off, data, len) = f[40];
    bytes[data + len - 1] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let w = read_dir(&wal).unwrap();
    let d = w.damage.clone().expect("damage");
    assert_eq!(d.offset, off as u64);
    assert!(!d.torn);
    assert!(
        d.message.contains("CRC mismatch") || d.message.contains("does not decode"),
        "{}",
        d.message
    );
    assert_eq!(w.records, 40, "the 40 records before the damage are read");
    assert!(!w.entries.is_empty() && w.entries.len() < clean.entries.len());
    assert!(clean.entries.starts_with(&w.entries));
}

#[test]
fn a_garbage_length_is_located() {
    let (_d, wal) = member();
    let path = segment(&wal);
    let mut bytes = std::fs::read(&path).unwrap();
    let (off, _, _) = frames(&bytes)[25];
    bytes[off..off + 8].copy_from_slice(&0x00ff_ffff_ffff_ff00i64.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let w = read_dir(&wal).unwrap();
    let d = w.damage.expect("damage");
    assert_eq!(d.offset, off as u64);
    assert!(d.message.contains("runs past the end"), "{}", d.message);
    assert!(!d.torn);
    assert_eq!(w.records, 25);
}

#[test]
fn a_torn_last_write_is_recognised() {
    let (_d, wal) = member();
    let path = segment(&wal);
    let mut bytes = std::fs::read(&path).unwrap();
    // A record whose data crosses a sector boundary: zero the part past the
    // boundary, as a write torn there leaves it, and end the log after it.
    let f = frames(&bytes);
    let (i, &(off, data, len)) = f
        .iter()
        .enumerate()
        .find(|(_, r)| r.1 / 512 != (r.1 + r.2 - 1) / 512 && (r.1 + r.2) % 512 != 0)
        .expect("a record across a sector boundary");
    let boundary = data.div_ceil(512) * 512;
    bytes[boundary..data + len].fill(0);
    bytes.truncate((data + len).div_ceil(8) * 8);
    bytes.resize(bytes.len() + 4096, 0);
    std::fs::write(&path, &bytes).unwrap();
    let w = read_dir(&wal).unwrap();
    let d = w.damage.expect("damage");
    assert_eq!(d.offset, off as u64);
    assert!(d.torn, "{d:?}");
    assert_eq!(w.records as usize, i);
}

/// Re-encoding every record etcd wrote, and every message inside, gives
/// etcd's bytes back: the writer frames, pads and chains CRCs as etcd does,
/// and the messages marshal as gogoproto marshals them.
#[test]
fn writer_reproduces_etcds_bytes() {
    use etcdsnap_wal::proto::{Entry, HardState, Metadata, Record, WalSnapshot};
    use etcdsnap_wal::writer::Encoder;
    use prost::Message;

    let (_d, wal) = member();
    let bytes = std::fs::read(segment(&wal)).unwrap();
    let fr = frames(&bytes);
    let mut enc: Option<Encoder> = None;
    let mut messages = 0;
    for (_, start, len) in &fr {
        let rec = Record::decode(&bytes[*start..start + len]).unwrap();
        if rec.r#type == record_type::CRC {
            assert!(enc.is_none(), "one crc record, first");
            enc = Some(Encoder::new(rec.crc));
            continue;
        }
        let again = match rec.r#type {
            record_type::METADATA => Metadata::decode(rec.data.as_slice())
                .unwrap()
                .encode_to_vec(),
            record_type::ENTRY => Entry::decode(rec.data.as_slice()).unwrap().encode_to_vec(),
            record_type::STATE => HardState::decode(rec.data.as_slice())
                .unwrap()
                .encode_to_vec(),
            record_type::SNAPSHOT => WalSnapshot::decode(rec.data.as_slice())
                .unwrap()
                .encode_to_vec(),
            t => panic!("record type {t}"),
        };
        assert_eq!(again, rec.data, "type {} message re-encoded", rec.r#type);
        messages += 1;
        enc.as_mut().unwrap().record(rec.r#type, rec.data);
    }
    let enc = enc.unwrap();
    let (last_off, last_start, last_len) = fr[fr.len() - 1];
    let _ = last_off;
    let end = last_start + last_len;
    let end = end + (8 - end % 8) % 8;
    assert_eq!(enc.bytes(), &bytes[..end], "segment bytes");
    assert!(messages > 100);
}

/// The member's `.snap` decodes, its CRC checks, and it re-encodes to the
/// same bytes; a flipped byte is a CRC mismatch.
#[test]
fn snap_file_round_trip() {
    use etcdsnap_wal::snap;
    let (d, _) = member();
    let dir = d.path().join("member/snap");
    let files = snap::list(&dir).unwrap();
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(name, "0000000000000002-0000000000000033.snap");
    let bytes = std::fs::read(&files[0]).unwrap();
    let s = snap::decode(&bytes).unwrap();
    assert_eq!((s.metadata.term, s.metadata.index), (2, 0x33));
    assert_eq!(s.metadata.conf_state.voters, vec![0xd449_f37c_6e82_c196]);
    assert!(String::from_utf8_lossy(s.data.as_deref().unwrap()).starts_with("{\"Root\""));
    assert_eq!(snap::encode(&s), bytes);
    assert_eq!(snap::file_name(s.metadata.term, s.metadata.index), name);
    let mut bad = bytes.clone();
    let n = bad.len() / 2;
    bad[n] ^= 1;
    assert!(matches!(
        snap::decode(&bad),
        Err(snap::SnapError::Crc { .. })
    ));
    assert_eq!(snap::decode(&[]), Err(snap::SnapError::Empty));
}
