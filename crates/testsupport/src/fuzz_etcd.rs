//! Entry points for the fuzz targets over etcd's semantics: an arbitrary
//! byte string as an etcd database through every reader of
//! `etcdsnap-verify` and through salvage. Each must return (an answer or an
//! error) without panicking, hanging or allocating without bound; what
//! salvage writes must be a sound database holding what it reports.

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Selector};
use etcdsnap_schema::EtcdVersion;
use etcdsnap_verify::status::StatusOptions;
use etcdsnap_verify::{hashkv, semantic, status};

/// Drives `data` as a snapshot file through status (both semantics),
/// hashkv (at the head, below it and at the compact revision), release
/// detection, verify, extraction, the Kubernetes
/// summary, the decode check of restore and save, and salvage.
///
/// # Panics
///
/// When salvage writes a database that does not pass the checker or does
/// not hold the revisions its report counts: a bug, which is what the
/// fuzzer looks for.
#[allow(clippy::panic)]
pub fn etcd_file(data: &[u8]) {
    if let Ok(db) = Db::open(data) {
        for version in [EtcdVersion::V3_5, EtcdVersion::V3_6] {
            let _ = status::checked_status(&db, &StatusOptions { version });
        }
        if let Ok(h) = hashkv::hashkv(&db, 0) {
            let _ = hashkv::hashkv(&db, h.hash_revision.saturating_sub(1));
            // The compact revision itself, under the newer rules too.
            let _ = hashkv::hashkv_as(&db, h.compact_revision, EtcdVersion::V3_5);
        }
        let _ = etcdsnap_schema::release::detect(&db);
        let _ = semantic::verify(&db);
        let _ = semantic::key_values_decode(&db);
        let all = Selector {
            key: Vec::new(),
            prefix: true,
        };
        let _ = extract::range(&db, &all, 0);
        let _ = extract::history(&db, &all);
        let _ = etcdsnap_k8s::summary(&db, 5);
    }
    if let Ok((report, out)) = etcdsnap_salvage::salvage_bytes(data) {
        let check = etcdsnap_bbolt::check::check(&out);
        if !check.problems.is_empty() {
            panic!("salvage wrote a damaged database: {:?}", check.problems);
        }
        let db = Db::open(&out).unwrap_or_else(|e| panic!("salvage output does not open: {e}"));
        let held = db
            .bucket(&[b"key"])
            .map(|b| b.iter(&db).count() as u64)
            .unwrap_or(0);
        if held != report.revisions {
            panic!(
                "salvage reports {} revisions, wrote {held}",
                report.revisions
            );
        }
    }
}

/// Drives `wal` as the last WAL segment of a data dir whose db is
/// `db_bytes`: read, then replayed over the db from several consistent
/// indexes, and each replayed state written through the rewrite.
///
/// # Panics
///
/// When a replayed state is written but the result does not pass the
/// checker: a bug, which is what the fuzzer looks for.
#[allow(clippy::panic)]
pub fn replay_wal(db_bytes: &[u8], wal: &[u8]) {
    let Ok(db) = Db::open(db_bytes) else {
        return;
    };
    let wal = etcdsnap_wal::reader::read_bytes(wal, "fuzz.wal");
    for ci in [0, 4, 20, 50] {
        let Ok(Some((edits, _))) = etcdsnap_replay::replay(&db, &wal, ci) else {
            continue;
        };
        let mut out = std::io::Cursor::new(Vec::new());
        let opts = etcdsnap_bbolt::writer::WriteOptions {
            page_size: db.page_size(),
            ..Default::default()
        };
        if etcdsnap_bbolt::rewrite::rewrite(&db, &mut out, opts, &edits).is_ok() {
            let report = etcdsnap_bbolt::check::check(out.get_ref());
            if !report.problems.is_empty() {
                panic!(
                    "a replayed state wrote a damaged database: {:?}",
                    report.problems
                );
            }
        }
    }
}
