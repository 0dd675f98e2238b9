//! Writes the committed fuzz regression inputs of the targets whose inputs
//! are derived from the fixtures: `compact`, `etcd`, `wal`, `replay` and
//! `request_snap` (`meta`, `page` and `walk_check` keep hand-made hostile
//! cases). Each input is small (at most 32 KiB) and named after what it
//! holds: the small etcd snapshot, undamaged and with one defect each, and
//! the member's db with the defects that need its leases and tombstones;
//! the member's WAL segment cut after its records, and its damaged
//! variants; the member's `.snap`, damaged; one request payload of each
//! kind the WAL holds.
//!
//! ```sh
//! cargo run -p etcdsnap-testsupport --example write_regressions   # into fuzz/regressions/
//! ```
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use etcdsnap_testsupport::{bbolt_damage, damaged_fixtures, etcd_damage, wal_damage};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    assert!(bytes.len() <= 32 << 10, "{name}: {} bytes", bytes.len());
    std::fs::write(dir.join(name), bytes)?;
    println!("{}\t{}", dir.join(name).display(), bytes.len());
    Ok(())
}

fn member_file(td: &Path, suffix: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(td.join("etcd/etcd-3.5.1-member.tar.gz"))?;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    for e in ar.entries()? {
        let mut e = e?;
        if e.path()?.to_string_lossy().ends_with(suffix) {
            let mut v = Vec::new();
            e.read_to_end(&mut v)?;
            return Ok(v);
        }
    }
    Err(std::io::Error::other(format!("no *{suffix} in the member")))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let td = damaged_fixtures::testdata();
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| td.join("../fuzz/regressions"));
    let small = std::fs::read(td.join("etcd/etcd-3.5.1.small.snapshot.db"))?;
    let member_db = damaged_fixtures::member_db(&td)?;

    // compact: a real etcd file copied through the writer, and damage the
    // copy must not carry over silently.
    let compact = out.join("compact");
    write(&compact, "etcd-small-snapshot", &small)?;
    for v in bbolt_damage::variants(&small) {
        if matches!(v.name, "inline-bucket-garbage" | "truncated-at-half") {
            write(&compact, &format!("etcd-small-{}", v.name), &v.bytes)?;
        }
    }

    // etcd: every etcd reader and salvage, on etcd's semantics damaged.
    let etcd = out.join("etcd");
    write(&etcd, "etcd-small-snapshot", &small)?;
    for (tag, base, names) in [
        (
            "etcd-small",
            &small,
            &[
                "mvcc-value-garbage",
                "mod-revision-mismatch",
                "trailer-mismatch",
            ][..],
        ),
        (
            "member-db",
            &member_db,
            &[
                "lease-missing",
                "tombstone-marker-malformed",
                "inline-bucket-garbage",
            ][..],
        ),
    ] {
        for v in etcd_damage::variants(base) {
            if names.contains(&v.name) {
                write(&etcd, &format!("{tag}-{}", v.name), &v.bytes)?;
            }
        }
    }

    // wal and replay: the member's segment cut 4 KiB after its last record
    // (the rest of the 64 MB file is preallocated zeros), and each damaged
    // variant of it.
    let seg = member_file(&td, ".wal")?;
    let mut end = 0usize;
    while let Some(w) = seg.get(end..end + 8) {
        let l = i64::from_le_bytes(w.try_into()?);
        if l == 0 {
            break;
        }
        let len = ((l as u64) & !(0xffu64 << 56)) as usize;
        let pad = if l < 0 {
            (((l as u64) >> 56) & 7) as usize
        } else {
            0
        };
        end += 8 + len + pad;
    }
    let cut = &seg[..(end + 4096).min(seg.len())];
    let (wal_dir, replay_dir) = (out.join("wal"), out.join("replay"));
    write(&wal_dir, "member-segment", cut)?;
    write(&replay_dir, "member-segment", cut)?;
    for v in wal_damage::wal_variants(cut) {
        write(&wal_dir, &format!("member-{}", v.name), &v.bytes)?;
        if matches!(v.name, "wal-crc-mismatch" | "wal-torn-tail") {
            write(&replay_dir, &format!("member-{}", v.name), &v.bytes)?;
        }
    }

    // request_snap: the member's .snap, damaged, and one request payload
    // of each kind its WAL holds.
    let rs = out.join("request_snap");
    let snap = member_file(&td, ".snap")?;
    write(&rs, "member-snap", &snap)?;
    for v in wal_damage::snap_variants(&snap) {
        write(&rs, &format!("member-{}", v.name), &v.bytes)?;
    }
    let wal = etcdsnap_wal::reader::read_bytes(cut, "member.wal");
    let mut kinds = std::collections::BTreeSet::new();
    for e in &wal.entries {
        use prost::Message;
        let Ok(req) = etcdsnap_wal::etcdserverpb::InternalRaftRequest::decode(e.data.as_slice())
        else {
            continue;
        };
        // The request's kind: the first field its display names besides
        // the header and id.
        let json = etcdsnap_wal::request::json(&req);
        let kind = json
            .as_object()
            .and_then(|o| o.keys().find(|k| *k != "header" && *k != "ID").cloned());
        if let Some(kind) = kind {
            if kinds.insert(kind.clone()) {
                write(&rs, &format!("request-{kind}"), &e.data)?;
            }
        }
    }
    Ok(())
}
