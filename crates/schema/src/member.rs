//! A member record as etcd stores it: the `members` bucket's value and the
//! context of a conf-change entry are Go's `json.Marshal` of
//! `membership.Member` (`server/etcdserver/api/membership/member.go`),
//! whose embedded structs put the fields in this order, with the empty
//! ones left out where Go's `omitempty` says so:
//!
//! ```text
//! {"id":<u64>,"peerURLs":[...],"isLearner":true,"name":"...","clientURLs":[...]}
//! ```
//!
//! `peerURLs` is always written (no `omitempty`); `isLearner`, `name` and
//! `clientURLs` only when set.

use crate::gojson;

/// etcd's `membership.Member`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberRecord {
    /// The member id.
    pub id: u64,
    /// `RaftAttributes.PeerURLs`.
    pub peer_urls: Vec<String>,
    /// `RaftAttributes.IsLearner`.
    pub is_learner: bool,
    /// `Attributes.Name`.
    pub name: String,
    /// `Attributes.ClientURLs`.
    pub client_urls: Vec<String>,
}

impl MemberRecord {
    /// Reads a member record, or either half of one (`RaftAttributes`,
    /// `Attributes`), from etcd's JSON; absent fields stay empty. None
    /// when the bytes are not a JSON object.
    pub fn parse(json: &[u8]) -> Option<MemberRecord> {
        let v: serde_json::Value = serde_json::from_slice(json).ok()?;
        let o = v.as_object()?;
        let strings = |k: &str| -> Vec<String> {
            o.get(k)
                .and_then(serde_json::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(MemberRecord {
            id: o.get("id").and_then(serde_json::Value::as_u64).unwrap_or(0),
            peer_urls: strings("peerURLs"),
            is_learner: o.get("isLearner").and_then(serde_json::Value::as_bool) == Some(true),
            name: o
                .get("name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string(),
            client_urls: strings("clientURLs"),
        })
    }

    /// `json.Marshal` of the member, byte for byte as etcd writes it.
    pub fn to_json(&self) -> String {
        let mut s = format!(
            "{{\"id\":{},\"peerURLs\":{}",
            self.id,
            gojson::string_array(&self.peer_urls)
        );
        if self.is_learner {
            s.push_str(",\"isLearner\":true");
        }
        if !self.name.is_empty() {
            s.push_str(",\"name\":");
            s.push_str(&gojson::string(&self.name));
        }
        if !self.client_urls.is_empty() {
            s.push_str(",\"clientURLs\":");
            s.push_str(&gojson::string_array(&self.client_urls));
        }
        s.push('}');
        s
    }

    /// `json.Marshal` of the member's `RaftAttributes` (the v2 store's
    /// `raftAttributes` value).
    pub fn raft_attributes_json(&self) -> String {
        let mut s = format!("{{\"peerURLs\":{}", gojson::string_array(&self.peer_urls));
        if self.is_learner {
            s.push_str(",\"isLearner\":true");
        }
        s.push('}');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marshals_as_etcd() {
        let m = MemberRecord {
            id: 441630081764301257,
            peer_urls: vec!["http://127.0.0.1:25800".into()],
            name: "m2".into(),
            ..Default::default()
        };
        assert_eq!(
            m.to_json(),
            r#"{"id":441630081764301257,"peerURLs":["http://127.0.0.1:25800"],"name":"m2"}"#
        );
        let l = MemberRecord {
            id: 1,
            is_learner: true,
            client_urls: vec!["http://a".into()],
            ..Default::default()
        };
        assert_eq!(
            l.to_json(),
            r#"{"id":1,"peerURLs":[],"isLearner":true,"clientURLs":["http://a"]}"#
        );
        assert_eq!(
            l.raft_attributes_json(),
            r#"{"peerURLs":[],"isLearner":true}"#
        );
    }
}
