//! The protobuf messages of etcd's WAL and raft, declared with prost derive
//! (field numbers from etcd's `walpb`, `raftpb`, `snappb` and `etcdserverpb`).
//!
//! etcd marshals these with gogoproto as proto2 messages whose scalar
//! fields are non-nullable, so a zero is still written. The scalars are
//! declared `required` here for the same reason: what this crate writes is
//! byte-identical to what etcd writes, and decoding is unchanged (a missing
//! field reads as zero).

/// `walpb.Record`: one framed WAL record.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Record {
    /// 1 metadata, 2 entry, 3 state, 4 crc, 5 snapshot.
    #[prost(int64, required, tag = "1")]
    pub r#type: i64,
    /// Running CRC-32C up to and including this record's data.
    #[prost(uint32, required, tag = "2")]
    pub crc: u32,
    /// The payload.
    #[prost(bytes = "vec", tag = "3")]
    pub data: Vec<u8>,
}

/// `raftpb.Entry`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Entry {
    /// 0 normal, 1 conf change, 2 conf change v2.
    #[prost(int32, required, tag = "1")]
    pub r#type: i32,
    /// Raft term.
    #[prost(uint64, required, tag = "2")]
    pub term: u64,
    /// Raft index.
    #[prost(uint64, required, tag = "3")]
    pub index: u64,
    /// Payload (an `InternalRaftRequest`, a conf change...).
    #[prost(bytes = "vec", tag = "4")]
    pub data: Vec<u8>,
}

/// `raftpb.HardState`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HardState {
    /// Current term.
    #[prost(uint64, required, tag = "1")]
    pub term: u64,
    /// Vote in that term.
    #[prost(uint64, required, tag = "2")]
    pub vote: u64,
    /// Highest committed index.
    #[prost(uint64, required, tag = "3")]
    pub commit: u64,
}

/// `raftpb.ConfState`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfState {
    /// Voting members.
    #[prost(uint64, repeated, packed = "false", tag = "1")]
    pub voters: Vec<u64>,
    /// Learners.
    #[prost(uint64, repeated, packed = "false", tag = "2")]
    pub learners: Vec<u64>,
    /// Voters of the outgoing configuration during a joint change.
    #[prost(uint64, repeated, packed = "false", tag = "3")]
    pub voters_outgoing: Vec<u64>,
    /// Learners to add when leaving a joint configuration.
    #[prost(uint64, repeated, packed = "false", tag = "4")]
    pub learners_next: Vec<u64>,
    /// Leave the joint configuration automatically. `Some` whenever etcd
    /// wrote it: gogoproto (etcd 3.4 to 3.6) always writes it, false or
    /// not; etcd 3.7's raft (protobuf-go, explicit presence) writes it
    /// only when set, and its restore does not set it.
    #[prost(bool, optional, tag = "5")]
    pub auto_leave: Option<bool>,
}

/// `walpb.Snapshot`: a snapshot marker in the WAL.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WalSnapshot {
    /// Index of the snapshot.
    #[prost(uint64, required, tag = "1")]
    pub index: u64,
    /// Term of the snapshot.
    #[prost(uint64, required, tag = "2")]
    pub term: u64,
    /// Membership at the snapshot.
    #[prost(message, optional, tag = "3")]
    pub conf_state: Option<ConfState>,
}

/// `etcdserverpb.Metadata`: the first record of every segment.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metadata {
    /// This member's id.
    #[prost(uint64, required, tag = "1")]
    pub node_id: u64,
    /// The cluster's id.
    #[prost(uint64, required, tag = "2")]
    pub cluster_id: u64,
}

/// `raftpb.ConfChange` (version 1), the payload of a conf-change entry.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfChange {
    /// Request id (unused by etcd, always 0). `Some` whenever written:
    /// gogoproto (etcd 3.4 to 3.6) always writes it; etcd 3.7 (protobuf-go,
    /// explicit presence) leaves it out where it does not set it, as its
    /// restore does.
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    /// 0 add node, 1 remove node, 2 update node, 3 add learner.
    #[prost(int32, required, tag = "2")]
    pub r#type: i32,
    /// The member concerned.
    #[prost(uint64, required, tag = "3")]
    pub node_id: u64,
    /// etcd puts the member's JSON here.
    #[prost(bytes = "vec", optional, tag = "4")]
    pub context: Option<Vec<u8>>,
}

/// `raftpb.SnapshotMetadata`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SnapshotMetadata {
    /// Membership at the snapshot.
    #[prost(message, required, tag = "1")]
    pub conf_state: ConfState,
    /// Last index the snapshot covers.
    #[prost(uint64, required, tag = "2")]
    pub index: u64,
    /// Term of that index.
    #[prost(uint64, required, tag = "3")]
    pub term: u64,
}

/// `raftpb.Snapshot`: what a `.snap` file holds (etcd puts its v2 store
/// JSON in `data`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftSnapshot {
    /// Application state.
    #[prost(bytes = "vec", optional, tag = "1")]
    pub data: Option<Vec<u8>>,
    /// Index, term and membership.
    #[prost(message, required, tag = "2")]
    pub metadata: SnapshotMetadata,
}

/// `snappb.Snapshot`: the frame of a `.snap` file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SnapFile {
    /// CRC-32C of `data`.
    #[prost(uint32, required, tag = "1")]
    pub crc: u32,
    /// A marshalled [`RaftSnapshot`].
    #[prost(bytes = "vec", optional, tag = "2")]
    pub data: Option<Vec<u8>>,
}
