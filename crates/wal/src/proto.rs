//! The protobuf messages of etcd's WAL and raft, declared with prost derive
//! (field numbers from etcd's `walpb`, `raftpb` and `etcdserverpb`).

/// `walpb.Record`: one framed WAL record.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Record {
    /// 1 metadata, 2 entry, 3 state, 4 crc, 5 snapshot.
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// Running CRC-32C up to and including this record's data.
    #[prost(uint32, tag = "2")]
    pub crc: u32,
    /// The payload.
    #[prost(bytes = "vec", tag = "3")]
    pub data: Vec<u8>,
}

/// `raftpb.Entry`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Entry {
    /// 0 normal, 1 conf change, 2 conf change v2.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// Raft term.
    #[prost(uint64, tag = "2")]
    pub term: u64,
    /// Raft index.
    #[prost(uint64, tag = "3")]
    pub index: u64,
    /// Payload (an `InternalRaftRequest`, a conf change...).
    #[prost(bytes = "vec", tag = "4")]
    pub data: Vec<u8>,
}

/// `raftpb.HardState`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HardState {
    /// Current term.
    #[prost(uint64, tag = "1")]
    pub term: u64,
    /// Vote in that term.
    #[prost(uint64, tag = "2")]
    pub vote: u64,
    /// Highest committed index.
    #[prost(uint64, tag = "3")]
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
}

/// `walpb.Snapshot`: a snapshot marker in the WAL.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WalSnapshot {
    /// Index of the snapshot.
    #[prost(uint64, tag = "1")]
    pub index: u64,
    /// Term of the snapshot.
    #[prost(uint64, tag = "2")]
    pub term: u64,
    /// Membership at the snapshot.
    #[prost(message, optional, tag = "3")]
    pub conf_state: Option<ConfState>,
}

/// `etcdserverpb.Metadata`: the first record of every segment.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metadata {
    /// This member's id.
    #[prost(uint64, tag = "1")]
    pub node_id: u64,
    /// The cluster's id.
    #[prost(uint64, tag = "2")]
    pub cluster_id: u64,
}
