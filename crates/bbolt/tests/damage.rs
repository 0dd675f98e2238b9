//! Damaged-file suite: each defect, made on a copy of a real fixture, gets
//! a precise diagnosis (kind, page id, byte offset) and never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::fixture;
use etcdsnap_bbolt::check::{check, ProblemKind, Report};
use etcdsnap_bbolt::page::Node;
use etcdsnap_bbolt::stats::for_each_page;
use etcdsnap_bbolt::{Db, PageId, Root};

/// The fixture most damage is made on: nested buckets, branch pages, overflow.
fn nested() -> Vec<u8> {
    fixture("bolt/nested-4096.db")
}

const PS: usize = 4096;

/// Pages of the `large` bucket's tree: (root branch page, a leaf page).
fn large_tree(file: &[u8]) -> (u64, u64) {
    let db = Db::open(file).unwrap();
    let b = db.bucket(&[b"large"]).unwrap();
    let Root::Page(root) = b.root else {
        panic!("large is inline")
    };
    let mut leaf = None;
    for_each_page(&db, root, &mut |n: &Node<'_>, _, _| {
        if n.is_leaf && leaf.is_none() {
            leaf = Some(n.page.0);
        }
        Ok(())
    })
    .unwrap();
    assert!(
        !db.is_leaf(root),
        "fixture's large bucket must have a branch root"
    );
    (root.0, leaf.unwrap())
}

fn kinds(r: &Report) -> Vec<ProblemKind> {
    r.problems.iter().map(|p| p.kind).collect()
}

fn find(r: &Report, kind: ProblemKind) -> &etcdsnap_bbolt::check::Problem {
    r.problems
        .iter()
        .find(|p| p.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {:#?}", r.problems))
}

fn put_u16(f: &mut [u8], off: usize, v: u16) {
    f[off..off + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_u32(f: &mut [u8], off: usize, v: u32) {
    f[off..off + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(f: &mut [u8], off: usize, v: u64) {
    f[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn clean_fixture_is_clean() {
    let r = check(&nested());
    assert!(r.is_clean(), "{:#?}", r.problems);
    assert!(
        r.counts.branch_pages > 0 && r.counts.overflow_pages > 0 && r.counts.inline_buckets > 0
    );
}

#[test]
fn bad_checksum_on_one_meta_is_reported_and_the_other_is_used() {
    let mut f = nested();
    let db = Db::open(&f).unwrap();
    let newer = db.meta().index as usize;
    f[newer * PS + 72] ^= 0xff;
    let r = check(&f);
    assert_eq!(kinds(&r), vec![ProblemKind::MetaInvalid]);
    let p = &r.problems[0];
    assert_eq!(p.page, Some(newer as u64));
    assert_eq!(p.offset, Some((newer * PS) as u64));
    assert!(p.message.contains("checksum error"), "{}", p.message);
    assert_eq!(
        r.meta,
        Some(1 - newer as u8),
        "falls back to the other meta page"
    );
    // The tree is still fully checked through the older meta.
    assert!(r.counts.leaf_pages > 0);
}

#[test]
fn bad_checksum_on_both_metas_cannot_open() {
    let mut f = nested();
    f[72] ^= 1;
    f[PS + 72] ^= 1;
    let r = check(&f);
    assert_eq!(
        kinds(&r),
        vec![ProblemKind::MetaInvalid, ProblemKind::MetaInvalid]
    );
    assert!(r
        .problems
        .iter()
        .all(|p| p.message.contains("checksum error")));
    assert_eq!(r.problems[0].page, Some(0));
    assert_eq!(r.problems[1].page, Some(1));
}

#[test]
fn truncation_is_reported_with_the_missing_pages() {
    let f = nested();
    let hwm = Db::open(&f).unwrap().hwm().0 as usize;
    let cut = &f[..(hwm / 2) * PS + 100];
    let r = check(cut);
    let p = find(&r, ProblemKind::Truncated);
    assert_eq!(p.page, Some((hwm / 2) as u64));
    assert!(p.message.contains("truncated"), "{}", p.message);
    assert!(
        p.message.contains(&format!("{}..{}", hwm / 2, hwm)),
        "{}",
        p.message
    );
}

#[test]
fn truncation_inside_the_meta_pages() {
    let f = nested();
    let r = check(&f[..50]);
    assert!(!r.is_clean());
    let r = check(&f[..PS + 40]);
    assert!(!r.is_clean());
    assert!(
        r.problems.iter().any(|p| p.page == Some(1)),
        "{:#?}",
        r.problems
    );
}

#[test]
fn zeroed_page_is_located() {
    let mut f = nested();
    let (_, leaf) = large_tree(&f);
    let off = leaf as usize * PS;
    f[off..off + PS].fill(0);
    let r = check(&f);
    let p = find(&r, ProblemKind::PageIdMismatch);
    assert_eq!((p.page, p.offset), (Some(leaf), Some(off as u64)));
    assert!(p.message.contains("holds id 0"), "{}", p.message);
    let p = find(&r, ProblemKind::InvalidType);
    assert_eq!(p.page, Some(leaf));
    assert_eq!(p.bucket.as_deref(), Some("large"));
    // bbolt names the page by the id in its (zeroed) header.
    assert_eq!(
        p.bbolt.as_deref(),
        Some("page 0: invalid type: unknown<00>")
    );
}

#[test]
fn branch_cycle_is_reported_not_followed() {
    let mut f = nested();
    let (root, _) = large_tree(&f);
    // Point the root branch's last child back at the root itself.
    let count =
        u16::from_le_bytes([f[root as usize * PS + 10], f[root as usize * PS + 11]]) as usize;
    let elem = root as usize * PS + 16 + (count - 1) * 16;
    put_u64(&mut f, elem + 8, root);
    let r = check(&f);
    let p = find(&r, ProblemKind::Cycle);
    assert_eq!(p.page, Some(root));
    assert_eq!(p.offset, Some((elem + 8) as u64));
    assert!(p.message.contains("cycle"), "{}", p.message);
}

#[test]
fn element_offset_past_the_page() {
    let mut f = nested();
    let (_, leaf) = large_tree(&f);
    let elem = leaf as usize * PS + 16 + 2 * 16;
    put_u32(&mut f, elem + 4, 0x0100_0000);
    let r = check(&f);
    let p = find(&r, ProblemKind::ElementOutOfBounds);
    assert_eq!((p.page, p.offset), (Some(leaf), Some(elem as u64)));
    assert!(p.message.contains("element 2"), "{}", p.message);
    assert!(p.message.contains("runs past the page"), "{}", p.message);
}

#[test]
fn tree_page_flagged_as_freelist() {
    let mut f = nested();
    let (_, leaf) = large_tree(&f);
    put_u16(&mut f, leaf as usize * PS + 8, 0x10);
    let r = check(&f);
    let p = find(&r, ProblemKind::InvalidType);
    assert_eq!(
        (p.page, p.offset),
        (Some(leaf), Some((leaf as usize * PS + 8) as u64))
    );
    assert_eq!(
        p.bbolt.as_deref(),
        Some(format!("page {leaf}: invalid type: freelist").as_str())
    );
}

#[test]
fn count_larger_than_the_page() {
    let mut f = nested();
    let (_, leaf) = large_tree(&f);
    put_u16(&mut f, leaf as usize * PS + 10, 0xfff0);
    let r = check(&f);
    let p = find(&r, ProblemKind::CountTooLarge);
    assert_eq!(p.page, Some(leaf));
}

#[test]
fn keys_out_of_order() {
    let mut f = nested();
    let (_, leaf) = large_tree(&f);
    let base = leaf as usize * PS;
    // Swap the key positions of elements 0 and 1 (same key sizes in this bucket).
    let e0 = base + 16;
    let e1 = base + 32;
    let pos0 = u32::from_le_bytes(f[e0 + 4..e0 + 8].try_into().unwrap()) as usize;
    let pos1 = u32::from_le_bytes(f[e1 + 4..e1 + 8].try_into().unwrap()) as usize;
    let k0 = e0 + pos0;
    let k1 = e1 + pos1;
    let ks = u32::from_le_bytes(f[e0 + 8..e0 + 12].try_into().unwrap()) as usize;
    let a = f[k0..k0 + ks].to_vec();
    let b = f[k1..k1 + ks].to_vec();
    f[k0..k0 + ks].copy_from_slice(&b);
    f[k1..k1 + ks].copy_from_slice(&a);
    let r = check(&f);
    let p = find(&r, ProblemKind::KeyOrder);
    assert_eq!((p.page, p.offset), (Some(leaf), Some(e1 as u64)));
}

#[test]
fn freelist_id_beyond_high_water_mark_and_duplicate() {
    let mut f = nested();
    let db = Db::open(&f).unwrap();
    let fl = db.meta().freelist.0 as usize;
    let hwm = db.hwm().0;
    let count = u16::from_le_bytes([f[fl * PS + 10], f[fl * PS + 11]]) as usize;
    assert!(count >= 2, "fixture needs a freelist with two ids");
    let ids = fl * PS + 16;
    let first = u64::from_le_bytes(f[ids..ids + 8].try_into().unwrap());
    put_u64(&mut f, ids + 8, first);
    put_u64(&mut f, ids + (count - 1) * 8, hwm + 10);
    let r = check(&f);
    let p = find(&r, ProblemKind::AlreadyFreed);
    assert_eq!(p.offset, Some((ids + 8) as u64));
    assert_eq!(
        p.bbolt.as_deref(),
        Some(format!("page {first}: already freed").as_str())
    );
    let p = find(&r, ProblemKind::FreedOutOfBounds);
    assert_eq!(p.offset, Some((ids + (count - 1) * 8) as u64));
}

#[test]
fn overflow_past_end_of_file() {
    let mut f = nested();
    let (_, leaf) = large_tree(&f);
    put_u32(&mut f, leaf as usize * PS + 12, 1_000_000);
    let r = check(&f);
    let p = find(&r, ProblemKind::OverflowPastEndOfFile);
    assert_eq!(
        (p.page, p.offset),
        (Some(leaf), Some((leaf as usize * PS + 12) as u64))
    );
}

#[test]
fn branch_child_beyond_the_file() {
    let mut f = nested();
    let (root, _) = large_tree(&f);
    let elem = root as usize * PS + 16;
    put_u64(&mut f, elem + 8, 1 << 40);
    let r = check(&f);
    let p = find(&r, ProblemKind::BeyondEndOfFile);
    assert_eq!((p.page, p.offset), (Some(root), Some((elem + 8) as u64)));
}

#[test]
fn inline_bucket_garbage() {
    let mut f = nested();
    let db = Db::open(&f).unwrap();
    let root = db.root_bucket();
    let inline = root.get(&db, b"inline").unwrap().expect("inline bucket");
    let b = etcdsnap_bbolt::Bucket::from_value(&db, PageId(0), inline.value).unwrap();
    assert!(b.is_inline());
    let off = db.offset_of(inline.value) as usize + 16;
    // Inline page image: give it a huge element count.
    put_u16(&mut f, off + 10, 5000);
    let r = check(&f);
    let p = find(&r, ProblemKind::BadInlineBucket);
    assert_eq!(p.offset, Some((off + 10) as u64));
}

#[test]
fn every_single_byte_flip_in_metas_and_a_leaf_is_handled() {
    // Not exhaustive fuzzing; a quick sweep that must never panic.
    let base = nested();
    let (root, leaf) = large_tree(&base);
    for page in [0usize, 1, root as usize, leaf as usize] {
        for i in (0..PS).step_by(7) {
            let mut f = base.clone();
            f[page * PS + i] ^= 0xa5;
            let _ = check(&f);
        }
    }
}

#[test]
fn problems_come_in_the_same_order_every_run() {
    // Damage every leaf of the `large` bucket (checked in parallel) in two
    // ways, so that many problems are found on several threads.
    let mut f = nested();
    let db = Db::open(&f).unwrap();
    let b = db.bucket(&[b"large"]).unwrap();
    let Root::Page(root) = b.root else {
        panic!("large is inline")
    };
    let mut leaves = Vec::new();
    for_each_page(&db, root, &mut |n: &Node<'_>, _, _| {
        if n.is_leaf {
            leaves.push(n.page.0 as usize);
        }
        Ok(())
    })
    .unwrap();
    assert!(
        leaves.len() >= 32,
        "need enough leaves to run in parallel: {}",
        leaves.len()
    );
    for (i, leaf) in leaves.iter().enumerate() {
        let elem = leaf * PS + 16 + 16;
        if i % 2 == 0 {
            put_u32(&mut f, elem + 4, 0x0100_0000);
        } else {
            put_u32(&mut f, elem + 8, 0);
        }
    }
    let first = check(&f);
    assert!(
        first.problems.len() >= leaves.len(),
        "{}",
        first.problems.len()
    );
    for _ in 0..5 {
        assert_eq!(check(&f).problems, first.problems);
    }
    // One thread (results applied after each chunk) and several (applied
    // while later chunks run) report the same.
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let r = pool.install(|| check(&f));
        assert_eq!(r.problems, first.problems, "{threads} threads");
        assert_eq!(r.counts, first.counts, "{threads} threads");
    }
    // Problems are in walk order: page ids of the element problems ascend
    // with the leaves' order in the tree.
    let pages: Vec<u64> = first.problems.iter().filter_map(|p| p.page).collect();
    let order: Vec<u64> = leaves.iter().map(|l| *l as u64).collect();
    let mut seen = pages.clone();
    seen.dedup();
    assert_eq!(seen, order);
}

#[test]
fn every_generated_variant_gets_its_diagnosis() {
    let variants = etcdsnap_testsupport::bbolt_damage::variants(&nested());
    let names: Vec<&str> = variants.iter().map(|v| v.name).collect();
    assert!(variants.len() >= 14, "{names:?}");
    for v in &variants {
        let r = check(&v.bytes);
        let hit = r.problems.iter().any(|p| {
            p.kind == v.expect
                && (v.page.is_none() || p.page == v.page)
                && (v.offset.is_none() || p.offset == v.offset)
        });
        assert!(
            hit,
            "{}: expected {:?} at page {:?} offset {:?}, got {:#?}",
            v.name, v.expect, v.page, v.offset, r.problems
        );
    }
}

/// A file of about 20,000 small leaves (several batches of leaf jobs, each
/// of many chunks) in two top-level buckets, leaves holding nested buckets
/// between them, damaged in ways found on the jobs' threads (element
/// bounds, key order) and in the ordered part (a page referenced twice,
/// once from each of two batches, and a page id that does not match).
fn many_leaves_damaged() -> (Vec<u8>, usize) {
    use etcdsnap_bbolt::writer::{WriteOptions, Writer};
    let mut out = std::io::Cursor::new(Vec::new());
    let opts = WriteOptions {
        page_size: 512,
        fill_percent: 1.0,
        txid: 3,
    };
    let mut w = Writer::new(&mut out, opts).unwrap();
    for top in [&b"first"[..], b"second"] {
        w.begin_bucket(top, 0).unwrap();
        for i in 0..20_000u32 {
            let key = format!("{i:08}");
            w.put(key.as_bytes(), &[i as u8; 300]).unwrap();
            if i % 1_000 == 500 {
                w.begin_bucket(format!("{key}-nested").as_bytes(), 0)
                    .unwrap();
                for j in 0..40u32 {
                    w.put(format!("{j:04}").as_bytes(), &[7; 200]).unwrap();
                }
                w.end_bucket().unwrap();
            }
        }
        w.end_bucket().unwrap();
    }
    w.finish().unwrap();
    let mut f = out.into_inner();
    const PS: usize = 512;
    let db = Db::open(&f).unwrap();
    let mut leaves = Vec::new();
    let mut branches = Vec::new();
    for top in [&b"first"[..], b"second"] {
        let Root::Page(root) = db.bucket(&[top]).unwrap().root else {
            panic!("{top:?} is inline")
        };
        for_each_page(&db, root, &mut |n: &Node<'_>, _, _| {
            if n.is_leaf {
                leaves.push(n.page.0 as usize);
            } else {
                branches.push(n.page.0 as usize);
            }
            Ok(())
        })
        .unwrap();
    }
    let n = leaves.len();
    for (i, leaf) in leaves.iter().enumerate() {
        let elem = leaf * PS + 16;
        match i % 997 {
            // A value running past the page.
            1 => put_u32(&mut f, elem + 12, 0x0100_0000),
            // An empty key.
            2 => put_u32(&mut f, elem + 8, 0),
            // A page id that does not match.
            3 => put_u64(&mut f, leaf * PS, 7),
            _ => {}
        }
    }
    // A branch element of the second bucket pointing at a leaf of the first:
    // the page is reached twice, from jobs of different batches.
    let branch = *branches.last().unwrap();
    put_u64(&mut f, branch * PS + 16 + 8, leaves[10] as u64);
    (f, n)
}

#[test]
fn batches_and_threads_do_not_change_the_report() {
    let (f, leaves) = many_leaves_damaged();
    assert!(leaves > 2 * 8192, "{leaves} leaves: need several batches");
    let first = check(&f);
    let kinds = kinds(&first);
    for kind in [
        ProblemKind::ElementOutOfBounds,
        ProblemKind::EmptyKey,
        ProblemKind::PageIdMismatch,
        ProblemKind::MultipleReferences,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} not found: {kinds:?}");
    }
    for threads in [1, 2, 3, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for _ in 0..3 {
            let r = pool.install(|| check(&f));
            assert_eq!(r.problems, first.problems, "{threads} threads");
            assert_eq!(r.counts, first.counts, "{threads} threads");
        }
    }
}
