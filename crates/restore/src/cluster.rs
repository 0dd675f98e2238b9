//! The new cluster a restore creates: members and their ids from
//! `--initial-cluster` and the token, the cluster id, and etcd's bootstrap
//! checks on the flags.

use std::collections::{BTreeMap, BTreeSet};

use sha1::{Digest, Sha1};

use crate::urls::{self, PeerUrl};
use crate::Error;
use etcdsnap_schema::member::MemberRecord;

/// A member of the restored cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Member id: the first 8 bytes (big-endian) of SHA-1 over the sorted
    /// peer URLs concatenated and the cluster token.
    pub id: u64,
    /// `--name` of the member.
    pub name: String,
    /// Peer URLs, normalised and sorted.
    pub peer_urls: Vec<PeerUrl>,
}

impl Member {
    /// A member as etcd's `membership.NewMember` makes it (no time salt).
    pub fn new(name: &str, peer_urls: Vec<PeerUrl>, token: &str) -> Self {
        let mut h = Sha1::new();
        for u in &peer_urls {
            h.update(u.as_str().as_bytes());
        }
        h.update(token.as_bytes());
        Member {
            id: first_u64(&h.finalize()),
            name: name.to_string(),
            peer_urls,
        }
    }

    /// The id as etcd prints it and keys it (`types.ID`): lowercase hex
    /// without leading zeros.
    pub fn id_hex(&self) -> String {
        format!("{:x}", self.id)
    }

    /// The member as etcd stores it (no client URLs: a restored member
    /// has not published its attributes yet).
    pub fn record(&self) -> MemberRecord {
        MemberRecord {
            id: self.id,
            peer_urls: self.peer_urls.iter().map(|u| u.to_string()).collect(),
            name: self.name.clone(),
            ..MemberRecord::default()
        }
    }

    /// `json.Marshal` of etcd's `Member`: what the `members` bucket holds
    /// and what a conf-change entry carries as context.
    pub fn to_json(&self) -> String {
        self.record().to_json()
    }

    /// `json.Marshal` of the member's `RaftAttributes` (v2 store value).
    pub fn raft_attributes_json(&self) -> String {
        self.record().raft_attributes_json()
    }
}

fn first_u64(digest: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(digest) {
        *d = *s;
    }
    u64::from_be_bytes(b)
}

/// The flags that define the new cluster, as `etcdutl snapshot restore`
/// takes them.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `--name`.
    pub name: String,
    /// `--initial-cluster`.
    pub initial_cluster: String,
    /// `--initial-cluster-token`.
    pub initial_cluster_token: String,
    /// `--initial-advertise-peer-urls`, comma separated.
    pub initial_advertise_peer_urls: String,
}

impl Default for ClusterConfig {
    /// etcdutl's defaults.
    fn default() -> Self {
        ClusterConfig {
            name: "default".into(),
            initial_cluster: "default=http://localhost:2380".into(),
            initial_cluster_token: "etcd-cluster".into(),
            initial_advertise_peer_urls: "http://localhost:2380".into(),
        }
    }
}

/// The new cluster: members in id order, the cluster id, and which member
/// this data dir is for.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Members sorted by id.
    pub members: Vec<Member>,
    /// Cluster id: the first 8 bytes of SHA-1 over the sorted member ids
    /// (8 bytes big-endian each).
    pub id: u64,
    /// Index in `members` of the local member (`--name`).
    pub local: usize,
}

impl Cluster {
    /// Builds the cluster from the flags after etcd's bootstrap checks
    /// (`ServerConfig.VerifyBootstrap`): the name is in the initial
    /// cluster, its URLs there equal the advertised peer URLs, no URL is
    /// used twice.
    pub fn from_config(cfg: &ClusterConfig) -> Result<Self, Error> {
        let advertised = urls::parse_list(cfg.initial_advertise_peer_urls.split(','))?;
        let map = urls::parse_initial_cluster(&cfg.initial_cluster)?;
        if map.is_empty() {
            return Err(Error::Config(
                "initial cluster unset and no discovery URL found".into(),
            ));
        }
        let Some(local_urls) = map.get(&cfg.name) else {
            return Err(Error::Config(format!(
                "couldn't find local name {:?} in the initial cluster configuration",
                cfg.name
            )));
        };
        if *local_urls != advertised {
            let show = |v: &[PeerUrl]| {
                v.iter()
                    .map(|u| u.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let in_cluster: Vec<String> = local_urls
                .iter()
                .map(|u| format!("{}={u}", cfg.name))
                .collect();
            return Err(Error::Config(format!(
                "--initial-cluster has {} but --initial-advertise-peer-urls={} (the peer URLs of member {:?} must be the same in both)",
                in_cluster.join(","),
                show(&advertised),
                cfg.name
            )));
        }
        let mut seen = BTreeSet::new();
        for u in map.values().flatten() {
            if !seen.insert(u.as_str()) {
                return Err(Error::Config(format!(
                    "initial cluster {} has duplicate url",
                    render_map(&map)
                )));
            }
        }
        let mut members: BTreeMap<u64, Member> = BTreeMap::new();
        for (name, urls) in &map {
            let m = Member::new(name, urls.clone(), &cfg.initial_cluster_token);
            if m.id == 0 {
                return Err(Error::Config("cannot use 0 as member id".into()));
            }
            if let Some(other) = members.get(&m.id) {
                return Err(Error::Config(format!(
                    "member exists with identical ID {} (members {:?} and {:?})",
                    m.id_hex(),
                    other.name,
                    m.name
                )));
            }
            members.insert(m.id, m);
        }
        let members: Vec<Member> = members.into_values().collect();
        let mut h = Sha1::new();
        for m in &members {
            h.update(m.id.to_be_bytes());
        }
        let id = first_u64(&h.finalize());
        let local = members
            .iter()
            .position(|m| m.name == cfg.name)
            .unwrap_or_default();
        Ok(Cluster { members, id, local })
    }

    /// The member this data dir is for.
    pub fn local_member(&self) -> Option<&Member> {
        self.members.get(self.local)
    }
}

/// `URLsMap.String()`: `name=url` pairs sorted.
fn render_map(map: &BTreeMap<String, Vec<PeerUrl>>) -> String {
    let mut pairs: Vec<String> = map
        .iter()
        .flat_map(|(n, us)| us.iter().map(move |u| format!("{n}={u}")))
        .collect();
    pairs.sort();
    pairs.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_member_and_cluster_ids_match_etcd() {
        // etcdutl 3.5.1 restore with default flags logs member
        // 8e9e05c52164694d in cluster cdf818194e3a8c32.
        let c = Cluster::from_config(&ClusterConfig::default()).unwrap();
        assert_eq!(c.members.len(), 1);
        assert_eq!(c.members[0].id_hex(), "8e9e05c52164694d");
        assert_eq!(format!("{:x}", c.id), "cdf818194e3a8c32");
        assert_eq!(
            c.members[0].to_json(),
            r#"{"id":10276657743932975437,"peerURLs":["http://localhost:2380"],"name":"default"}"#
        );
    }

    #[test]
    fn bootstrap_checks() {
        let cfg = |name: &str, cluster: &str, adv: &str| ClusterConfig {
            name: name.into(),
            initial_cluster: cluster.into(),
            initial_cluster_token: "t".into(),
            initial_advertise_peer_urls: adv.into(),
        };
        let e = Cluster::from_config(&cfg("x", "a=http://h:1", "http://h:1")).unwrap_err();
        assert!(
            e.to_string().contains("couldn't find local name \"x\""),
            "{e}"
        );
        let e = Cluster::from_config(&cfg("a", "a=http://h:1", "http://h:2")).unwrap_err();
        assert!(
            e.to_string().contains("--initial-cluster has a=http://h:1"),
            "{e}"
        );
        let e =
            Cluster::from_config(&cfg("a", "a=http://h:1,b=http://h:1", "http://h:1")).unwrap_err();
        assert!(e.to_string().contains("has duplicate url"), "{e}");
        let c = Cluster::from_config(&cfg(
            "b",
            "a=http://h:1,b=http://h:2,c=http://h:3",
            "http://h:2",
        ))
        .unwrap();
        assert_eq!(c.members.len(), 3);
        assert!(c.members.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(c.local_member().unwrap().name, "b");
    }
}
