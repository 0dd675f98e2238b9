//! Key requests in a replay: puts, delete ranges and txns (compares,
//! branches, nested txns) applied at one revision each, as etcd's kv
//! applier does on restart.

use super::*;

pub(super) fn rev_key(main: i64, sub: i64, tomb: bool) -> Vec<u8> {
    Revision { main, sub }.to_key(tomb)
}

/// Keys of `[key, range_end)` as etcd reads a range: an empty end is the
/// key alone, `\0` every key from `key` on.
pub(super) fn in_range(live: &BTreeMap<Vec<u8>, Live>, key: &[u8], end: &[u8]) -> Vec<Vec<u8>> {
    if end.is_empty() {
        return live
            .contains_key(key)
            .then(|| key.to_vec())
            .into_iter()
            .collect();
    }
    live.range(key.to_vec()..)
        .take_while(|(k, _)| end == b"\0" || k.as_slice() < end)
        .map(|(k, _)| k.clone())
        .collect()
}

/// One write transaction: changes at revision `rev`, sub-revisions in order.
pub(super) struct Txn<'s, 'a> {
    pub(super) st: &'s mut State<'a>,
    pub(super) sub: i64,
}

impl Txn<'_, '_> {
    pub(super) fn rev(&self) -> i64 {
        self.st.rev + 1
    }

    pub(super) fn put(&mut self, key: Vec<u8>, value: Vec<u8>, lease: i64) {
        let rev = self.rev();
        let (create, version, old_lease) = match self.st.live.get(&key) {
            Some(p) => (p.create, p.version + 1, Some(p.lease)),
            None => (rev, 1, None),
        };
        if old_lease != Some(lease) {
            if let Some(old) = old_lease {
                self.st.leases.detach(old, &key);
            }
            self.st.leases.attach(lease, &key);
        }
        let kv = KeyValue {
            key: key.clone(),
            create_revision: create,
            mod_revision: rev,
            version,
            value: value.clone(),
            lease,
        };
        self.st
            .keys
            .insert(rev_key(rev, self.sub, false), Some(kv.encode_to_vec()));
        self.sub += 1;
        self.st.live.insert(
            key,
            Live {
                value: Cow::Owned(value),
                create,
                modr: rev,
                version,
                lease,
            },
        );
    }

    pub(super) fn delete(&mut self, key: &[u8], end: &[u8]) {
        let rev = self.rev();
        for k in in_range(&self.st.live, key, end) {
            let kv = KeyValue {
                key: k.clone(),
                ..KeyValue::default()
            };
            self.st
                .keys
                .insert(rev_key(rev, self.sub, true), Some(kv.encode_to_vec()));
            self.sub += 1;
            if let Some(gone) = self.st.live.remove(&k) {
                self.st.leases.detach(gone.lease, &k);
            }
        }
    }

    pub(super) fn end(self) {
        if self.sub > 0 {
            self.st.rev += 1;
        }
    }
}

/// etcd's `compareKV`: a target or result etcd does not know compares
/// equal and holds.
pub(super) fn compare_kv(c: &Compare, kv: Option<&Live>) -> bool {
    let union = c.target_union.as_ref();
    let int =
        |have: fn(&Live) -> i64, want: Option<i64>| kv.map_or(0, have).cmp(&want.unwrap_or(0));
    let ord = match CompareTarget::try_from(c.target) {
        Ok(CompareTarget::Value) => {
            let want = match union {
                Some(TargetUnion::Value(v)) => v.as_slice(),
                _ => &[],
            };
            kv.map_or(&[][..], |k| &k.value[..]).cmp(want)
        }
        Ok(CompareTarget::Create) => int(
            |k| k.create,
            match union {
                Some(TargetUnion::CreateRevision(r)) => Some(*r),
                _ => None,
            },
        ),
        Ok(CompareTarget::Mod) => int(
            |k| k.modr,
            match union {
                Some(TargetUnion::ModRevision(r)) => Some(*r),
                _ => None,
            },
        ),
        Ok(CompareTarget::Version) => int(
            |k| k.version,
            match union {
                Some(TargetUnion::Version(v)) => Some(*v),
                _ => None,
            },
        ),
        Ok(CompareTarget::Lease) => int(
            |k| k.lease,
            match union {
                Some(TargetUnion::Lease(l)) => Some(*l),
                _ => None,
            },
        ),
        Err(_) => std::cmp::Ordering::Equal,
    };
    match CompareResult::try_from(c.result) {
        Ok(CompareResult::Equal) => ord.is_eq(),
        Ok(CompareResult::NotEqual) => ord.is_ne(),
        Ok(CompareResult::Greater) => ord.is_gt(),
        Ok(CompareResult::Less) => ord.is_lt(),
        Err(_) => true,
    }
}

pub(super) fn compare_ok(st: &State<'_>, c: &Compare) -> bool {
    let keys = in_range(&st.live, &c.key, &c.range_end);
    if keys.is_empty() {
        // etcd: a value compare on a missing key always fails.
        return c.target != CompareTarget::Value as i32 && compare_kv(c, None);
    }
    keys.iter().all(|k| compare_kv(c, st.live.get(k)))
}

pub(super) fn branch(t: &TxnRequest, ok: bool) -> &[RequestOp] {
    if ok {
        &t.success
    } else {
        &t.failure
    }
}

/// etcd's `compareToPath`: the compares of the txn, and of the nested txns
/// on the branches taken, all evaluated against the state before the txn,
/// in the order the branches are walked.
pub(super) fn compare_path(st: &State<'_>, t: &TxnRequest, path: &mut Vec<bool>) {
    let ok = t.compare.iter().all(|c| compare_ok(st, c));
    path.push(ok);
    for op in branch(t, ok) {
        if let Some(Op::RequestTxn(n)) = &op.request {
            compare_path(st, n, path);
        }
    }
}

/// etcd's `checkRequests`: `f` over the ops on the txn's path, nested txns
/// walked in place; false at the first op it fails.
pub(super) fn ops_on_path(
    t: &TxnRequest,
    path: &[bool],
    at: &mut usize,
    f: &mut dyn FnMut(&RequestOp) -> bool,
) -> bool {
    let ok = path.get(*at).copied().unwrap_or(false);
    *at += 1;
    for op in branch(t, ok) {
        let passed = match &op.request {
            Some(Op::RequestTxn(n)) => ops_on_path(n, path, at, f),
            _ => f(op),
        };
        if !passed {
            return false;
        }
    }
    true
}

/// etcd's `checkRequestPut` and `checkRequestRange`, against the state
/// before the txn: a put keeping the key's value or lease needs the key, a
/// put with a lease needs the lease, a range at a revision needs it
/// between the compact revision and the head.
pub(super) fn txn_op_valid(st: &State<'_>, op: &RequestOp) -> bool {
    match &op.request {
        Some(Op::RequestPut(p)) => {
            (!(p.ignore_value || p.ignore_lease) || st.live.contains_key(&p.key))
                && (p.lease == 0 || st.leases.granted.contains_key(&p.lease))
        }
        Some(Op::RequestRange(r)) => {
            r.revision == 0 || (r.revision <= st.rev && r.revision >= st.compact)
        }
        _ => true,
    }
}

/// Applies the ops on the txn's path, nested txns in place.
pub(super) fn apply_path(
    t: &mut Txn<'_, '_>,
    txn: &TxnRequest,
    path: &[bool],
    at: &mut usize,
) -> Result<(), String> {
    let ok = path.get(*at).copied().unwrap_or(false);
    *at += 1;
    for op in branch(txn, ok) {
        match &op.request {
            Some(Op::RequestPut(p)) => put_in(t, p)?,
            Some(Op::RequestDeleteRange(d)) => t.delete(&d.key, &d.range_end),
            Some(Op::RequestTxn(n)) => apply_path(t, n, path, at)?,
            Some(Op::RequestRange(_)) | None => {}
        }
    }
    Ok(())
}

/// A put, in a write transaction; Err when it keeps the value or lease of
/// a key that is not there (checked before a lone put; in a txn, a key
/// deleted earlier in the same txn: etcd 3.5 stops on it).
pub(super) fn put_in(t: &mut Txn<'_, '_>, p: &PutRequest) -> Result<(), String> {
    let prev = t.st.live.get(&p.key);
    if (p.ignore_value || p.ignore_lease) && prev.is_none() {
        return Err(
            "a txn putting a key it deleted, keeping its value or lease (etcd stops on it)".into(),
        );
    }
    let value = if p.ignore_value {
        prev.map(|x| x.value.to_vec()).unwrap_or_default()
    } else {
        p.value.clone()
    };
    let lease = if p.ignore_lease {
        prev.map_or(0, |x| x.lease)
    } else {
        p.lease
    };
    t.put(p.key.clone(), value, lease);
    Ok(())
}

/// The txn as etcd applies it on restart: nobody waits for the results of
/// its top-level range ops, so etcd drops them first
/// (`removeNeedlessRangeReqs`), and their permission and revision checks
/// with them. None when there are none.
pub(super) fn without_top_level_ranges(t: &TxnRequest) -> Option<TxnRequest> {
    let is_range = |op: &&RequestOp| matches!(op.request, Some(Op::RequestRange(_)));
    if !t.success.iter().chain(&t.failure).any(|op| is_range(&op)) {
        return None;
    }
    let keep = |ops: &[RequestOp]| ops.iter().filter(|op| !is_range(op)).cloned().collect();
    Some(TxnRequest {
        compare: t.compare.clone(),
        success: keep(&t.success),
        failure: keep(&t.failure),
    })
}
