//! The permission checks etcd makes when it applies a key or lease
//! request with auth enabled.

use super::*;

/// May the user read (READ) or write (WRITE) a key or range?
pub(super) type Can<'c> = &'c dyn Fn(&[u8], &[u8], i32) -> bool;

pub(super) const READ: i32 = 0;
pub(super) const WRITE: i32 = 1;

pub(super) fn put_permitted(
    p: &PutRequest,
    can: Can<'_>,
    lease_ok: &mut dyn FnMut(i64) -> bool,
) -> bool {
    can(&p.key, b"", WRITE) && (!p.prev_kv || can(&p.key, b"", READ)) && lease_ok(p.lease)
}

pub(super) fn delete_permitted(d: &DeleteRangeRequest, can: Can<'_>) -> bool {
    can(&d.key, &d.range_end, WRITE) && (!d.prev_kv || can(&d.key, &d.range_end, READ))
}

/// etcd 3.5's `checkTxnAuth`: read on every compare's range; on the
/// top-level ops of both branches, read on ranges, write on puts' keys,
/// write (and read with `prev_kv`) on deleted ranges. Nested txns, and the
/// leases and `prev_kv` of puts, are not checked.
pub(super) fn txn_permitted(t: &TxnRequest, can: Can<'_>) -> bool {
    t.compare.iter().all(|c| can(&c.key, &c.range_end, READ))
        && t.success
            .iter()
            .chain(&t.failure)
            .all(|op| match &op.request {
                Some(Op::RequestRange(r)) => can(&r.key, &r.range_end, READ),
                Some(Op::RequestPut(p)) => can(&p.key, b"", WRITE),
                Some(Op::RequestDeleteRange(d)) => delete_permitted(d, can),
                Some(Op::RequestTxn(_)) | None => true,
            })
}

/// The permission checks etcd makes when it applies a key or lease request
/// with auth enabled: false when the request fails them (and so changes
/// nothing).
pub(super) fn permitted(st: &mut State<'_>, header: Option<&RequestHeader>, req: &Req<'_>) -> bool {
    let checked = matches!(
        req,
        Req::Put(_) | Req::DeleteRange(_) | Req::Txn(_) | Req::LeaseRevoke(_)
    );
    if !checked {
        return true;
    }
    let State { auth, leases, .. } = st;
    let user = match auth.subject(header) {
        Ok(None) => return true,
        Ok(Some(u)) => u,
        Err(()) => return false,
    };
    let can = |key: &[u8], end: &[u8], want: i32| auth.permitted(user, key, end, want);
    // Every key attached to a lease must be writable to put with it or
    // revoke it.
    let writable = |key: &[u8]| can(key, b"", WRITE);
    let rev = auth.revision();
    let mut lease_ok = |id: i64| id == 0 || leases.all_writable(id, &user.name, rev, &writable);
    match req {
        Req::Put(p) => put_permitted(p, &can, &mut lease_ok),
        Req::DeleteRange(d) => delete_permitted(d, &can),
        Req::Txn(t) => txn_permitted(t, &can),
        Req::LeaseRevoke(l) => lease_ok(l.id),
        _ => true,
    }
}
