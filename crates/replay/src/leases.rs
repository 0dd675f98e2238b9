//! Leases in a replay: the granted leases, the keys attached to each (kept
//! up to date as puts and deletes attach and detach them, so that a
//! revoke finds its keys without scanning the live keys), and etcd's
//! check that a user may write every key attached to a lease before
//! putting with it or revoking it.
//!
//! That check is remembered per lease and user at an auth revision: a
//! later check looks only at the keys attached since, so each attachment
//! is checked once per user and auth revision rather than once per put,
//! and a lease's keys are not checked again while nothing changed.

use std::collections::{BTreeMap, HashMap};

/// The leases being replayed.
#[derive(Debug, Default)]
pub(crate) struct Leases {
    /// Granted leases: id -> (TTL, remaining TTL).
    pub(crate) granted: HashMap<i64, (i64, i64)>,
    /// Keys attached, by lease (also for ids not granted: a db may hold
    /// keys whose lease is gone).
    attached: HashMap<i64, Attached>,
    /// Numbers attachments in order.
    next_seq: u64,
}

/// The keys attached to one lease.
#[derive(Debug, Default)]
struct Attached {
    /// Key -> the attachment's sequence number, in key order (a revoke
    /// deletes in this order).
    keys: BTreeMap<Vec<u8>, u64>,
    /// Sequence number -> key: the attachments still in place, in order.
    by_seq: BTreeMap<u64, Vec<u8>>,
    /// Detachments so far.
    detached: u64,
    /// The last check per user name.
    verdicts: HashMap<Vec<u8>, Verdict>,
}

/// What a check of a lease's keys for one user found.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// Every key attached before `upto` (and still attached) is writable
    /// at auth revision `rev`.
    Allowed { rev: u64, upto: u64 },
    /// A key the user may not write was attached at auth revision `rev`;
    /// it stays so until a key is detached.
    Denied { rev: u64, detached: u64 },
}

impl Leases {
    /// Attaches `key` to `lease` (0: none).
    pub(crate) fn attach(&mut self, lease: i64, key: &[u8]) {
        if lease == 0 {
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let a = self.attached.entry(lease).or_default();
        if let Some(old) = a.keys.insert(key.to_vec(), seq) {
            a.by_seq.remove(&old);
        }
        a.by_seq.insert(seq, key.to_vec());
    }

    /// Detaches `key` from `lease` (0: none).
    pub(crate) fn detach(&mut self, lease: i64, key: &[u8]) {
        if let Some(a) = self.attached.get_mut(&lease) {
            if let Some(seq) = a.keys.remove(key) {
                a.by_seq.remove(&seq);
                a.detached += 1;
            }
        }
    }

    /// The keys attached to `lease`, in key order.
    pub(crate) fn keys(&self, lease: i64) -> Vec<Vec<u8>> {
        self.attached
            .get(&lease)
            .map(|a| a.keys.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets `lease` once revoked (its keys are deleted).
    pub(crate) fn revoked(&mut self, lease: i64) {
        self.granted.remove(&lease);
        self.attached.remove(&lease);
    }

    /// etcd's `checkLeasePuts`: may `user` (at auth revision `rev`) write
    /// every key attached to `lease`? `writable` answers for one key.
    pub(crate) fn all_writable(
        &mut self,
        lease: i64,
        user: &[u8],
        rev: u64,
        writable: &dyn Fn(&[u8]) -> bool,
    ) -> bool {
        let Some(a) = self.attached.get_mut(&lease) else {
            return true;
        };
        // Where an earlier check stopped, if one holds.
        let from = match a.verdicts.get(user) {
            Some(Verdict::Allowed { rev: r, upto }) if *r == rev => Some(*upto),
            Some(Verdict::Denied { rev: r, detached }) if *r == rev && *detached == a.detached => {
                return false
            }
            _ => None,
        };
        let ok = match from {
            Some(from) => a.by_seq.range(from..).all(|(_, k)| writable(k)),
            None => a.keys.keys().all(|k| writable(k)),
        };
        let verdict = if ok {
            Verdict::Allowed {
                rev,
                upto: self.next_seq,
            }
        } else {
            Verdict::Denied {
                rev,
                detached: a.detached,
            }
        };
        a.verdicts.insert(user.to_vec(), verdict);
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn keys_follow_attachments() {
        let mut l = Leases::default();
        l.attach(1, b"b");
        l.attach(1, b"a");
        l.attach(2, b"c");
        l.attach(0, b"none");
        l.detach(2, b"c");
        l.detach(1, b"c");
        assert_eq!(l.keys(1), [b"a".to_vec(), b"b".to_vec()]);
        assert!(l.keys(2).is_empty() && l.keys(0).is_empty());
        l.revoked(1);
        assert!(l.keys(1).is_empty());
    }

    #[test]
    fn checks_only_what_changed() {
        let mut l = Leases::default();
        for k in [&b"/bob/1"[..], b"/bob/2", b"/bob/3"] {
            l.attach(7, k);
        }
        let calls = Cell::new(0);
        let bob = |k: &[u8]| {
            calls.set(calls.get() + 1);
            k.starts_with(b"/bob/")
        };
        assert!(l.all_writable(7, b"bob", 3, &bob));
        assert_eq!(calls.get(), 3);
        // Nothing new: no key looked at.
        assert!(l.all_writable(7, b"bob", 3, &bob));
        assert_eq!(calls.get(), 3);
        // One new key: only it.
        l.attach(7, b"/bob/4");
        assert!(l.all_writable(7, b"bob", 3, &bob));
        assert_eq!(calls.get(), 4);
        // A key bob may not write: denied, and stays denied without
        // looking again until a key leaves.
        l.attach(7, b"/alice");
        assert!(!l.all_writable(7, b"bob", 3, &bob));
        let after = calls.get();
        assert!(!l.all_writable(7, b"bob", 3, &bob));
        assert_eq!(calls.get(), after);
        l.detach(7, b"/alice");
        assert!(l.all_writable(7, b"bob", 3, &bob));
        // A new auth revision checks everything again.
        let before = calls.get();
        assert!(l.all_writable(7, b"bob", 4, &bob));
        assert_eq!(calls.get(), before + 4);
        // A key re-attached counts as new.
        l.attach(7, b"/alice");
        l.detach(7, b"/alice");
        l.attach(7, b"/alice");
        assert!(!l.all_writable(7, b"bob", 4, &bob));
        // No keys: allowed.
        assert!(l.all_writable(99, b"bob", 4, &bob));
    }
}
