//! Damaged variants of a real etcd database (a snapshot file or a member's
//! `db`): the bbolt-level ones of [`etcdsnap_bbolt::damage`] and damage
//! only etcd's semantics reveal (values that are not `mvccpb.KeyValue`,
//! malformed revision keys, revisions that disagree, leases that do not
//! exist), each with the diagnosis it must get. A file with a SHA-256
//! trailer gets a recomputed trailer, as if the damage had been there when
//! the snapshot was taken, so that the deeper diagnosis is the one to find;
//! `trailer-mismatch` alone keeps the old trailer. Used by the corruption
//! matrix; never by the tools.

use etcdsnap_bbolt::check::ProblemKind;
use etcdsnap_bbolt::Db;
use sha2::{Digest, Sha256};

use etcdsnap_schema::Revision;

/// What the tools must find in a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The bbolt checker's finding.
    Structure {
        /// Problem kind.
        kind: ProblemKind,
        /// Page it names (None: it names no page).
        page: Option<u64>,
        /// Byte offset it names (None: it names none).
        offset: Option<u64>,
    },
    /// A problem only etcd's semantics reveal: the phrase of `verify`'s
    /// report that names it exactly (the revision, key, or lease the
    /// generator damaged; the structure is sound).
    Semantic(&'static str),
    /// The SHA-256 trailer does not match the contents.
    Trailer,
}

/// One damaged database file.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Name of the defect.
    pub name: &'static str,
    /// The damaged file.
    pub bytes: Vec<u8>,
    /// What must be found.
    pub diagnosis: Diagnosis,
}

/// A phrase made for one variant, kept for the test run.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// True when `bytes` ends with a SHA-256 trailer by etcd's size rule.
fn has_trailer(bytes: &[u8]) -> bool {
    bytes.len() % 512 == 32
}

/// Rewrites the trailer of a file that had one, over its new contents.
fn retrailer(mut bytes: Vec<u8>, base_had: bool) -> Vec<u8> {
    if base_had && has_trailer(&bytes) {
        let n = bytes.len() - 32;
        let (data, trailer) = bytes.split_at_mut(n);
        trailer.copy_from_slice(&Sha256::digest(data));
    }
    bytes
}

/// Top-level protobuf fields of `v`: (field number, wire type, start and
/// end of the field's value).
fn fields(v: &[u8]) -> Vec<(u64, u8, usize, usize)> {
    // The schema's varint, with positions instead of slices.
    fn varint(v: &[u8], i: usize) -> Option<(u64, usize)> {
        let (x, rest) = etcdsnap_schema::wire::varint(v.get(i..)?)?;
        Some((x, v.len() - rest.len()))
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let Some((tag, j)) = varint(v, i) else { break };
        let (field, wire) = (tag >> 3, (tag & 7) as u8);
        let (start, end) = match wire {
            0 => match varint(v, j) {
                Some((_, e)) => (j, e),
                None => break,
            },
            2 => match varint(v, j) {
                Some((n, e)) => (e, e.saturating_add(n as usize)),
                None => break,
            },
            _ => break,
        };
        if end > v.len() {
            break;
        }
        out.push((field, wire, start, end));
        i = end;
    }
    out
}

/// The `key` bucket's entries: (offset of the key, key length, offset of
/// the value, value length, revision, tombstone).
fn key_entries(db: &Db<'_>) -> Vec<(usize, usize, usize, usize, Revision, bool)> {
    let Ok(kb) = db.bucket(&[b"key"]) else {
        return Vec::new();
    };
    kb.iter(db)
        .filter_map(Result::ok)
        .filter_map(|e| {
            let (rev, tomb) = Revision::decode(e.key)?;
            Some((
                db.offset_of(e.key) as usize,
                e.key.len(),
                db.offset_of(e.value) as usize,
                e.value.len(),
                rev,
                tomb,
            ))
        })
        .collect()
}

/// The user key of a `KeyValue` value (field 1).
fn user_key(v: &[u8]) -> Option<&[u8]> {
    fields(v)
        .into_iter()
        .find(|f| f.0 == 1 && f.1 == 2)
        .and_then(|(_, _, s, e)| v.get(s..e))
}

/// Every variant that can be made from `base`, a clean etcd database.
pub fn variants(base: &[u8]) -> Vec<Variant> {
    let trailer = has_trailer(base);
    let mut out: Vec<Variant> = crate::bbolt_damage::variants(base)
        .into_iter()
        .map(|v| Variant {
            name: v.name,
            bytes: retrailer(v.bytes, trailer),
            diagnosis: Diagnosis::Structure {
                kind: v.expect,
                page: v.page,
                offset: v.offset,
            },
        })
        .collect();
    let Ok(db) = Db::open(base) else {
        return out;
    };
    let entries = key_entries(&db);
    let mut add = |name, edit: &dyn Fn(&mut [u8]) -> Option<()>, diagnosis| {
        let mut b = base.to_vec();
        if edit(&mut b).is_some() {
            out.push(Variant {
                name,
                bytes: retrailer(b, trailer),
                diagnosis,
            });
        }
    };
    let puts: Vec<_> = entries.iter().filter(|e| !e.5 && e.3 >= 4).collect();
    if let Some(&&(_, _, vo, vl, rev, _)) = puts.last() {
        add(
            "mvcc-value-garbage",
            &|f| {
                f.get_mut(vo..vo + vl)?.fill(0xff);
                Some(())
            },
            Diagnosis::Semantic(leak(format!(
                "revision {}.{}: value does not decode as mvccpb.KeyValue",
                rev.main, rev.sub
            ))),
        );
    }
    // The key as it reads after the edit, in verify's words.
    let not_a_revision_key = |ko: usize, kl: usize, at: usize, b: u8| -> Option<&'static str> {
        let mut k = base.get(ko..ko + kl)?.to_vec();
        *k.get_mut(at)? = b;
        let hex = hex::encode(k);
        Some(leak(format!("key 0x{hex} is not a revision key")))
    };
    if let Some(&(ko, kl, _, _, _, _)) = entries.last() {
        // The `_` between main and sub revision; the key still sorts in
        // place.
        if let Some(phrase) = not_a_revision_key(ko, kl, 8, b'`') {
            add(
                "revision-key-malformed",
                &|f| {
                    *f.get_mut(ko + 8)? = b'`';
                    Some(())
                },
                Diagnosis::Semantic(phrase),
            );
        }
    }
    if let Some(&(ko, kl, _, _, _, _)) = entries.iter().rev().find(|e| e.5) {
        if let Some(phrase) = not_a_revision_key(ko, kl, kl - 1, b'x') {
            add(
                "tombstone-marker-malformed",
                &|f| {
                    *f.get_mut(ko + kl - 1)? = b'x';
                    Some(())
                },
                Diagnosis::Semantic(phrase),
            );
        }
    }
    // mod_revision (field 3) one more, in place (same varint length).
    let modrev = puts.iter().rev().find_map(|&&(_, _, vo, vl, _, _)| {
        let v = base.get(vo..vo + vl)?;
        let (_, _, s, e) = fields(v).into_iter().find(|f| f.0 == 3 && f.1 == 0)?;
        let b = *v.get(s)?;
        (e == s + 1 && b < 0x7f).then_some((vo + s, b))
    });
    if let Some((at, m)) = modrev {
        add(
            "mod-revision-mismatch",
            &|f| {
                *f.get_mut(at)? += 1;
                Some(())
            },
            Diagnosis::Semantic(leak(format!(
                "mod_revision {} differs from the key's revision",
                m + 1
            ))),
        );
    }
    // A live key's lease (field 6) changed to a lease that does not exist:
    // the newest entry of a key, a put with a lease.
    let mut newest = std::collections::BTreeMap::new();
    for e in &entries {
        if let Some(k) = base.get(e.2..e.2 + e.3).and_then(user_key) {
            newest.insert(k.to_vec(), *e);
        }
    }
    let leased = newest.values().find_map(|&(_, _, vo, vl, _, tomb)| {
        let v = base.get(vo..vo + vl)?;
        let (_, _, s, e) = fields(v).into_iter().find(|f| f.0 == 6 && f.1 == 0)?;
        if tomb || e <= s || v.get(s).is_none_or(|b| *b == 0) {
            return None;
        }
        // The lease id once its first varint byte is edited.
        let mut id = 0u64;
        for (i, b) in v.get(s..e)?.iter().enumerate() {
            let b = if i == 0 { b ^ 0x02 } else { *b };
            id |= u64::from(b & 0x7f) << (7 * i);
        }
        Some((vo + s, id))
    });
    if let Some((at, id)) = leased {
        add(
            "lease-missing",
            &|f| {
                *f.get_mut(at)? ^= 0x02;
                Some(())
            },
            Diagnosis::Semantic(leak(format!(
                "attached to lease {id:x}, which does not exist"
            ))),
        );
    }
    if trailer {
        if let Some(&(_, _, vo, vl, _, _)) = puts.first() {
            let mut b = base.to_vec();
            if let Some(x) = b.get_mut(vo + vl - 1) {
                *x ^= 0x01;
                out.push(Variant {
                    name: "trailer-mismatch",
                    bytes: b,
                    diagnosis: Diagnosis::Trailer,
                });
            }
        }
    }
    out
}
