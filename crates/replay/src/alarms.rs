//! Alarms in a replay: which of etcd's appliers (the capped applier of
//! NOSPACE, the corrupt applier of CORRUPT) a request meets, following
//! the alarm history as etcd does.

use super::*;

pub(super) const NOSPACE: i32 = AlarmType::Nospace as i32;
pub(super) const CORRUPT: i32 = AlarmType::Corrupt as i32;

/// `etcdserverpb.AlarmMember` as etcd stores it (the alarm bucket's key).
#[derive(Clone, PartialEq, prost::Message)]
pub(super) struct AlarmMember {
    #[prost(uint64, tag = "1")]
    pub(super) member_id: u64,
    #[prost(int32, tag = "2")]
    pub(super) alarm: i32,
}

/// Does a txn cost quota (etcd's `costTxn`: a put among the top-level ops
/// of either branch; nested txns are not counted)?
pub(super) fn txn_puts(t: &TxnRequest) -> bool {
    t.success
        .iter()
        .chain(&t.failure)
        .any(|op| matches!(op.request, Some(Op::RequestPut(_))))
}

/// Which of etcd's appliers requests go through: its auth applier (the
/// permission checks), and the refusing appliers of the NOSPACE and
/// CORRUPT alarms.
///
/// They follow etcd's history rather than the active alarms: on start
/// etcd wraps its auth applier in the applier of each alarm the db holds;
/// when an alarm of a type none was active for is raised, etcd puts that
/// alarm's applier around its bare backend (no auth applier, nor the other
/// alarm's) until restart; when the last alarm of a type is cleared, it
/// goes back to its auth applier alone (`Alarm` in etcd's apply.go).
#[derive(Debug, Clone, Copy)]
pub(super) struct Appliers {
    pub(super) auth: bool,
    pub(super) nospace: bool,
    pub(super) corrupt: bool,
}

impl Appliers {
    /// Those of a member starting with `alarms` active.
    pub(super) fn on_start(alarms: &std::collections::BTreeSet<(u64, i32)>) -> Self {
        Appliers {
            auth: true,
            nospace: alarms.iter().any(|(_, a)| *a == NOSPACE),
            corrupt: alarms.iter().any(|(_, a)| *a == CORRUPT),
        }
    }
}

/// The applier of an alarm refuses some requests: CORRUPT's every key and
/// lease request, NOSPACE's puts, txns that cost quota and lease grants.
pub(super) fn refused_by_alarm(st: &State<'_>, req: &Req<'_>) -> bool {
    if st.appliers.corrupt {
        return matches!(
            req,
            Req::Put(_)
                | Req::Range
                | Req::DeleteRange(_)
                | Req::Txn(_)
                | Req::Compaction(_)
                | Req::LeaseGrant(_)
                | Req::LeaseRevoke(_)
        );
    }
    if st.appliers.nospace {
        return match req {
            Req::Put(_) | Req::LeaseGrant(_) => true,
            Req::Txn(t) => txn_puts(t),
            _ => false,
        };
    }
    false
}
