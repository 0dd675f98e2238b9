//! `verify`: is this backup restorable? The SHA-256 trailer, the bbolt
//! structure, and etcd's own invariants over the buckets, with a summary of
//! what the backup holds.
//!
//! Checked invariants:
//! - `key`: every key is a 17-byte revision (18 with the tombstone mark
//!   `t`); every value decodes as `mvccpb.KeyValue`; a put's `mod_revision`
//!   equals its key's main revision, `0 < create_revision <= mod_revision`,
//!   `version >= 1`; within a key's generation versions count up by one
//!   and the create revision stays; a new generation starts at version 1
//!   with `create_revision == mod_revision`; a tombstone holds only the key
//!   and ends a live generation; keys live at the head with a lease point
//!   at a lease in `lease`.
//! - `meta`: `consistent_index` and `term` are 8-byte integers; the
//!   compaction revisions are revisions, finished ≤ scheduled ≤ head;
//!   `confState` is JSON.
//! - `lease`: 8-byte ids whose `leasepb.Lease` carries the same id.
//! - `auth`, `authUsers`, `authRoles`: users and roles decode, are stored
//!   under their own names, and users' roles exist.
//! - `members`: JSON members stored under their hex id.
//! - Under etcd 3.6 and 3.7 rules, what those releases add
//!   ([`crate::release_schema`]): the storage version, membership and
//!   cluster state read from the backend alone.

use etcdsnap_schema::names;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use etcdsnap_bbolt::check::show_key as show;
use etcdsnap_bbolt::{check, Bucket, Db};
use prost::Message;
use serde::Serialize;

use crate::trailer::{self, Trailer};
use crate::{hashkv, Error};
use etcdsnap_schema::kv::decode_kv;
use etcdsnap_schema::proto::{Lease, Role, User};
use etcdsnap_schema::Revision;

/// One semantic problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `structure`, `trailer`, or the bucket name.
    pub area: String,
    /// What is wrong, with the revision or key concerned.
    pub message: String,
}

/// What the backup holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// File size in bytes.
    pub file_size: u64,
    /// Database size (high-water mark × page size).
    pub db_size: u64,
    /// SHA-256 trailer: `valid`, `absent` or `mismatch`.
    pub trailer: String,
    /// Oldest main revision stored.
    pub first_revision: Option<i64>,
    /// Head revision.
    pub revision: i64,
    /// Compact revision (-1 when never compacted).
    pub compact_revision: i64,
    /// Entries in the `key` bucket (all revisions, tombstones included).
    pub history_entries: u64,
    /// Tombstones among them.
    pub tombstones: u64,
    /// Keys live at the head.
    pub live_keys: u64,
    /// Leases.
    pub leases: u64,
    /// Keys live at the head attached to a lease.
    pub leased_keys: u64,
    /// Users.
    pub users: Vec<String>,
    /// Roles.
    pub roles: Vec<String>,
    /// Auth enabled.
    pub auth_enabled: bool,
    /// Members (name and id).
    pub members: Vec<String>,
    /// Cluster version.
    pub cluster_version: Option<String>,
    /// `meta/consistent_index`.
    pub consistent_index: Option<u64>,
    /// `meta/term`.
    pub term: Option<u64>,
    /// Why the buckets were not read (a damaged structure), when they were
    /// not: the figures above are then unknown, not zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

/// The verdict.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// What the backup holds.
    pub summary: Summary,
    /// Every problem found.
    pub problems: Vec<Problem>,
    /// Under etcd 3.6 and 3.7 rules: what those releases require and
    /// write (none for earlier releases, whose rules are the checks above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<crate::release_schema::ReleaseCheck>,
}

impl Report {
    /// True when the backup looks restorable.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds a problem found in `area`.
    pub fn push(&mut self, area: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            area: area.to_string(),
            message: message.into(),
        });
    }
}

/// Per user key, what the scan has seen so far (keyed by a 64-bit
/// fingerprint of the key, so memory stays small on large databases).
#[derive(Debug, Clone, Copy)]
struct KeyState {
    live: bool,
    leased: bool,
    version: i64,
    create: i64,
}

fn fingerprint<S: BuildHasher>(s: &S, k: &[u8]) -> u64 {
    s.hash_one(k)
}

fn u64_be(v: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(v.try_into().ok()?))
}

/// True when every value of the `key` bucket decodes as `mvccpb.KeyValue`,
/// which etcd requires to open the db at all (it decodes every revision
/// into its index on start and stops at the first that does not decode);
/// otherwise the first that does not. A missing `key` bucket passes.
pub fn key_values_decode(db: &Db<'_>) -> Result<(), Error> {
    let Ok(b) = db.bucket(&[b"key"]) else {
        return Ok(());
    };
    // In parallel over groups of leaves, keeping the first entry (in key
    // order) that does not decode.
    let first_bad = etcdsnap_bbolt::scan::fold_entries(
        db,
        &b,
        || None,
        |bad: &mut Option<(&[u8], &[u8])>, e| {
            if bad.is_none() && decode_kv(e.value).is_none() {
                *bad = Some((e.key, e.value));
            }
        },
        |a, b| a.or(b),
    )?;
    match first_bad {
        Some((k, v)) => Err(etcdsnap_schema::Error::bad_key_value(db, k, v).into()),
        None => Ok(()),
    }
}

/// The structural check with etcd's decode check folded into its leaf
/// pass: the checker's report, and the first `key`-bucket value (in key
/// order) that does not decode as `mvccpb.KeyValue`, found while the
/// checker reads the leaves anyway (one pass over the file instead of two).
/// Only meaningful when the report is clean.
pub fn check_and_decode<'a>(db: &Db<'a>) -> (check::Report, Result<(), Error>) {
    struct Decodes;
    impl<'a> check::TopLeafVisitor<'a> for Decodes {
        type Acc = Option<(&'a [u8], &'a [u8])>;
        fn leaf(&self, acc: &mut Self::Acc, node: &etcdsnap_bbolt::page::Node<'a>) {
            if acc.is_some() {
                return;
            }
            for i in 0..node.count {
                if let Ok(e) = node.leaf(i) {
                    if !e.is_bucket() && decode_kv(e.value).is_none() {
                        *acc = Some((e.key, e.value));
                        return;
                    }
                }
            }
        }
        fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc {
            a.or(b)
        }
    }
    let (report, tops) = check::check_with(db.file(), &Decodes);
    let bad = tops
        .into_iter()
        .find(|(name, _)| *name == etcdsnap_schema::names::KEY)
        .and_then(|(_, bad)| bad);
    let decoded = match bad {
        Some((k, v)) => Err(etcdsnap_schema::Error::bad_key_value(db, k, v).into()),
        None => Ok(()),
    };
    (report, decoded)
}

/// Verifies the database in `db` (the whole file, trailer included),
/// under the rules of the release that wrote it
/// ([`etcdsnap_schema::release::detect`]).
pub fn verify(db: &Db<'_>) -> Result<Report, Error> {
    let version = etcdsnap_schema::release::detect(db)
        .map(|c| c.version)
        .unwrap_or_default();
    verify_as(db, version)
}

/// [`verify`] under etcd `version`'s rules: from 3.6 on, what
/// [`crate::release_schema::check`] adds.
pub fn verify_as(db: &Db<'_>, version: etcdsnap_schema::EtcdVersion) -> Result<Report, Error> {
    let mut r = verify_common(db)?;
    if r.summary.unread.is_none() {
        r.release = crate::release_schema::check(db, version, &mut r)?;
    }
    Ok(r)
}

/// The checks every release shares.
fn verify_common(db: &Db<'_>) -> Result<Report, Error> {
    let mut r = Report::default();
    r.summary.file_size = db.file().len() as u64;
    r.summary.db_size = db.hwm().0.saturating_mul(db.page_size() as u64);
    let (tr, structure) = rayon::join(|| trailer::verify(db), || check::check(db.file()));
    r.summary.trailer = match tr {
        Ok(Trailer::Valid { .. }) => "valid".into(),
        Ok(Trailer::Absent) => "absent".into(),
        Err(e) => {
            r.push("trailer", e.to_string());
            "mismatch".into()
        }
    };
    for w in db.meta_choice().warnings() {
        r.push("structure", w);
    }
    let damaged = !structure.is_clean();
    for p in &structure.problems {
        if p.kind != check::ProblemKind::MetaInvalid {
            r.push("structure", p.to_string());
        }
    }
    if damaged
        && structure
            .problems
            .iter()
            .any(|p| p.kind != check::ProblemKind::MetaInvalid)
    {
        // Reading buckets of a damaged tree could stop anywhere; say what
        // the structure check found and stop here.
        r.summary.unread =
            Some("the bbolt structure is damaged, so its buckets were not read".into());
        return Ok(r);
    }
    let root = db.root_bucket();
    let bucket =
        |name: &[u8]| -> Result<Option<Bucket<'_>>, Error> { Ok(root.sub_bucket(db, name)?) };

    // lease
    let mut leases = HashSet::new();
    if let Some(b) = bucket(b"lease")? {
        for e in b.iter(db) {
            let e = e?;
            r.summary.leases += 1;
            let id = u64_be(e.key);
            match (id, Lease::decode(e.value)) {
                (Some(id), Ok(l)) if l.id as u64 == id => {
                    leases.insert(l.id);
                }
                (Some(id), Ok(l)) => r.push(
                    "lease",
                    format!("lease {id:x} is stored with id {:x}", l.id),
                ),
                (None, _) => r.push(
                    "lease",
                    format!("lease key {} is not an 8-byte id", show(e.key)),
                ),
                (_, Err(err)) => r.push(
                    "lease",
                    format!("lease {} does not decode: {err}", show(e.key)),
                ),
            }
        }
    }

    // key
    let compact = hashkv::compact_revision(db)?;
    r.summary.compact_revision = compact;
    let hasher = std::collections::hash_map::RandomState::new();
    let mut keys: HashMap<u64, KeyState> = HashMap::new();
    let mut missing_lease: HashMap<u64, i64> = HashMap::new();
    if let Some(b) = bucket(b"key")? {
        let mut errors = 0u64;
        let mut note = |r: &mut Report, msg: String| {
            errors += 1;
            // A badly damaged bucket would repeat the same finding for
            // every entry: keep the first thousand.
            if errors <= 1000 {
                r.push("key", msg);
            }
        };
        for e in b.iter(db) {
            let e = e?;
            r.summary.history_entries += 1;
            let decoded = Revision::decode(e.key).filter(|_| {
                e.key.get(8) == Some(&b'_') && (e.key.len() == 17 || e.key.get(17) == Some(&b't'))
            });
            let Some((rev, tomb)) = decoded else {
                note(
                    &mut r,
                    format!(
                        "key {} is not a revision key (8-byte main revision, '_', 8-byte sub revision, then 't' for a tombstone)",
                        show(e.key)
                    ),
                );
                continue;
            };
            r.summary.first_revision.get_or_insert(rev.main);
            r.summary.revision = r.summary.revision.max(rev.main);
            let Some(kv) = decode_kv(e.value) else {
                note(
                    &mut r,
                    format!("revision {rev}: value does not decode as mvccpb.KeyValue"),
                );
                continue;
            };
            if kv.key.is_empty() {
                note(
                    &mut r,
                    format!("revision {}.{}: empty user key", rev.main, rev.sub),
                );
                continue;
            }
            let fp = fingerprint(&hasher, kv.key);
            // Only built when a problem is reported.
            let at = || format!("revision {}.{} key {}", rev.main, rev.sub, show(kv.key));
            if tomb {
                r.summary.tombstones += 1;
                if kv.create_revision != 0
                    || kv.mod_revision != 0
                    || kv.version != 0
                    || kv.lease != 0
                {
                    note(
                        &mut r,
                        format!("{}: tombstone carries more than the key", at()),
                    );
                }
                match keys.get_mut(&fp) {
                    Some(s) if s.live => s.live = false,
                    Some(_) => note(
                        &mut r,
                        format!("{}: tombstone for a key already deleted", at()),
                    ),
                    // Earlier revisions may have been compacted away.
                    None => {
                        keys.insert(
                            fp,
                            KeyState {
                                live: false,
                                version: 0,
                                create: 0,
                                leased: false,
                            },
                        );
                    }
                }
                continue;
            }
            if kv.mod_revision != rev.main {
                note(
                    &mut r,
                    format!(
                        "{}: mod_revision {} differs from the key's revision",
                        at(),
                        kv.mod_revision
                    ),
                );
            }
            if kv.create_revision <= 0 || kv.create_revision > kv.mod_revision {
                note(
                    &mut r,
                    format!(
                        "{}: create_revision {} outside 1..={}",
                        at(),
                        kv.create_revision,
                        kv.mod_revision
                    ),
                );
            }
            if kv.version < 1 {
                note(&mut r, format!("{}: version {} below 1", at(), kv.version));
            }
            let prev = keys.get(&fp).copied();
            match prev {
                Some(s) if s.live => {
                    if kv.version != s.version + 1 {
                        note(
                            &mut r,
                            format!(
                                "{}: version {} after version {}",
                                at(),
                                kv.version,
                                s.version
                            ),
                        );
                    }
                    if kv.create_revision != s.create {
                        note(
                            &mut r,
                            format!(
                                "{}: create_revision {} changed within a generation (was {})",
                                at(),
                                kv.create_revision,
                                s.create
                            ),
                        );
                    }
                }
                Some(_) if kv.version != 1 || kv.create_revision != kv.mod_revision => {
                    note(&mut r, format!("{}: a new generation must start at version 1 with create_revision = mod_revision (found version {}, create {})", at(), kv.version, kv.create_revision));
                }
                // A well-formed new generation, or first sight (earlier
                // revisions may have been compacted away).
                _ => {}
            }
            // Leases are known already: remember only keys whose current
            // revision names a missing one.
            if kv.lease != 0 && !leases.contains(&kv.lease) {
                missing_lease.insert(fp, kv.lease);
            } else {
                missing_lease.remove(&fp);
            }
            keys.insert(
                fp,
                KeyState {
                    live: true,
                    version: kv.version,
                    create: kv.create_revision,
                    leased: kv.lease != 0,
                },
            );
        }
        for (fp, s) in keys.iter().filter(|(_, s)| s.live) {
            r.summary.live_keys += 1;
            if s.leased {
                r.summary.leased_keys += 1;
            }
            if let Some(lease) = missing_lease.get(fp) {
                note(&mut r, format!("a key live at the head is attached to lease {lease:x}, which does not exist"));
            }
        }
    }
    drop(keys);

    // meta
    if let Some(b) = bucket(b"meta")? {
        for e in b.iter(db) {
            let e = e?;
            match e.key {
                names::CONSISTENT_INDEX | b"term" => match u64_be(e.value) {
                    Some(v) if e.key == b"term" => r.summary.term = Some(v),
                    Some(v) => r.summary.consistent_index = Some(v),
                    None => r.push(
                        "meta",
                        format!("{} is {} bytes, expected 8", show(e.key), e.value.len()),
                    ),
                },
                names::SCHEDULED_COMPACT_REV | names::FINISHED_COMPACT_REV => {
                    match Revision::main_of(e.value) {
                        Some(m) if e.value.len() == 17 => {
                            if m > r.summary.revision && r.summary.history_entries > 0 {
                                r.push(
                                    "meta",
                                    format!(
                                        "{} {m} is past the head revision {}",
                                        show(e.key),
                                        r.summary.revision
                                    ),
                                );
                            }
                        }
                        _ => r.push("meta", format!("{} is not a revision", show(e.key))),
                    }
                }
                names::CONF_STATE
                    if serde_json::from_slice::<serde_json::Value>(e.value).is_err() =>
                {
                    r.push("meta", "confState is not JSON");
                }
                _ => {}
            }
        }
        let rev = |k: &[u8]| {
            b.get(db, k)
                .ok()
                .flatten()
                .and_then(|e| Revision::main_of(e.value))
        };
        if let (Some(f), Some(s)) = (
            rev(names::FINISHED_COMPACT_REV),
            rev(names::SCHEDULED_COMPACT_REV),
        ) {
            if f > s {
                r.push(
                    "meta",
                    format!("finishedCompactRev {f} is after scheduledCompactRev {s}"),
                );
            }
        }
    } else if r.summary.history_entries > 0 {
        r.push("meta", "no meta bucket");
    }

    // auth
    let mut roles = HashSet::new();
    if let Some(b) = bucket(b"authRoles")? {
        for e in b.iter(db) {
            let e = e?;
            match Role::decode(e.value) {
                Ok(role) if role.name == e.key => {
                    roles.insert(e.key.to_vec());
                    r.summary
                        .roles
                        .push(String::from_utf8_lossy(e.key).into_owned());
                }
                Ok(_) => r.push(
                    "authRoles",
                    format!("role {} is stored under another name", show(e.key)),
                ),
                Err(err) => r.push(
                    "authRoles",
                    format!("role {} does not decode: {err}", show(e.key)),
                ),
            }
        }
    }
    if let Some(b) = bucket(b"authUsers")? {
        for e in b.iter(db) {
            let e = e?;
            match User::decode(e.value) {
                Ok(u) if u.name == e.key => {
                    r.summary
                        .users
                        .push(String::from_utf8_lossy(e.key).into_owned());
                    for role in &u.roles {
                        if !roles.contains(role.as_bytes()) {
                            r.push(
                                "authUsers",
                                format!(
                                    "user {} has role {role:?}, which does not exist",
                                    show(e.key)
                                ),
                            );
                        }
                    }
                }
                Ok(_) => r.push(
                    "authUsers",
                    format!("user {} is stored under another name", show(e.key)),
                ),
                Err(err) => r.push(
                    "authUsers",
                    format!("user {} does not decode: {err}", show(e.key)),
                ),
            }
        }
    }
    if let Some(b) = bucket(b"auth")? {
        if let Some(e) = b.get(db, names::AUTH_ENABLED)? {
            r.summary.auth_enabled = e.value == [1];
        }
    }

    // members
    if let Some(b) = bucket(b"members")? {
        for e in b.iter(db) {
            let e = e?;
            let v: Result<serde_json::Value, _> = serde_json::from_slice(e.value);
            let key_id = std::str::from_utf8(e.key)
                .ok()
                .and_then(|s| u64::from_str_radix(s, 16).ok());
            match (v, key_id) {
                (Ok(m), Some(id))
                    if m.get("id").and_then(serde_json::Value::as_u64) == Some(id) =>
                {
                    let name = m
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_string();
                    r.summary.members.push(format!("{name} ({id:x})"));
                }
                (Ok(_), _) => r.push(
                    "members",
                    format!("member {} is stored under another id", show(e.key)),
                ),
                (Err(err), _) => r.push(
                    "members",
                    format!("member {} is not JSON: {err}", show(e.key)),
                ),
            }
        }
    }
    if let Some(b) = bucket(b"cluster")? {
        if let Some(e) = b.get(db, names::CLUSTER_VERSION)? {
            r.summary.cluster_version = Some(String::from_utf8_lossy(e.value).into_owned());
        }
    }
    Ok(r)
}
