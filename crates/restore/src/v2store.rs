//! The v2 store JSON etcd puts in the `.snap` file of a restored data dir.
//!
//! A restore creates an empty v2 store (directories `/0` and `/1`), adds
//! each member's `raftAttributes` under `/0/members/<id>` in member-id
//! order (store index 1, 2, ...), and saves it with Go's `json.Marshal`:
//! struct fields in declaration order, map keys sorted, the watcher hub's
//! event history (a ring of 1000 slots) included. This module writes the
//! same bytes.

use crate::cluster::Member;
use etcdsnap_schema::gojson as json;

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
const HISTORY_CAPACITY: usize = 1000;

fn node(path: &str, index: usize, value: &str, children: Option<&str>) -> String {
    format!(
        "{{\"Path\":{},\"CreatedIndex\":{index},\"ModifiedIndex\":{index},\"ExpireTime\":\"{ZERO_TIME}\",\"Value\":{},\"Children\":{}}}",
        json::string(path),
        json::string(value),
        children.map_or_else(|| "null".to_string(), |c| format!("{{{c}}}"))
    )
}

/// The saved v2 store of a restore with `members` (sorted by id).
pub fn restore_store_json(members: &[Member]) -> String {
    // Each member's raftAttributes is created at store index i + 1.
    let mut by_key: Vec<(String, usize, &Member)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id_hex(), i + 1, m))
        .collect();
    by_key.sort_by(|a, b| a.0.cmp(&b.0));
    let member_nodes: Vec<String> = by_key
        .iter()
        .map(|(hex, idx, m)| {
            let dir = format!("/0/members/{hex}");
            let leaf = node(
                &format!("{dir}/raftAttributes"),
                *idx,
                &m.raft_attributes_json(),
                None,
            );
            format!(
                "{}:{}",
                json::string(hex),
                node(&dir, *idx, "", Some(&format!("\"raftAttributes\":{leaf}")))
            )
        })
        .collect();
    let zero = if members.is_empty() {
        node("/0", 0, "", Some(""))
    } else {
        let members_dir = node("/0/members", 1, "", Some(&member_nodes.join(",")));
        node("/0", 0, "", Some(&format!("\"members\":{members_dir}")))
    };
    let one = node("/1", 0, "", Some(""));
    let root = node("/", 0, "", Some(&format!("\"0\":{zero},\"1\":{one}")));

    // The event history ring, filled as etcd's eventQueue.Insert does.
    let mut slots: Vec<Option<String>> = vec![None; HISTORY_CAPACITY];
    let (mut front, mut back, mut size) = (0usize, 0usize, 0usize);
    for (i, m) in members.iter().enumerate() {
        let idx = i + 1;
        let ev = format!(
            "{{\"action\":\"create\",\"node\":{{\"key\":{},\"value\":{},\"modifiedIndex\":{idx},\"createdIndex\":{idx}}}}}",
            json::string(&format!("/0/members/{}/raftAttributes", m.id_hex())),
            json::string(&m.raft_attributes_json())
        );
        if let Some(s) = slots.get_mut(back) {
            *s = Some(ev);
        }
        back = (back + 1) % HISTORY_CAPACITY;
        if size == HISTORY_CAPACITY {
            front = (front + 1) % HISTORY_CAPACITY;
        } else {
            size += 1;
        }
    }
    let n = members.len();
    // StartIndex is the index of the oldest event kept (0 with no events).
    let start = if n == 0 { 0 } else { n - size + 1 };
    let events: Vec<String> = slots
        .into_iter()
        .map(|s| s.unwrap_or_else(|| "null".into()))
        .collect();
    format!(
        "{{\"Root\":{root},\"WatcherHub\":{{\"EventHistory\":{{\"Queue\":{{\"Events\":[{}],\"Size\":{size},\"Front\":{front},\"Back\":{back},\"Capacity\":{HISTORY_CAPACITY}}},\"StartIndex\":{start},\"LastIndex\":{n}}}}},\"CurrentIndex\":{n},\"Stats\":{{\"getsSuccess\":0,\"getsFail\":0,\"setsSuccess\":0,\"setsFail\":0,\"deleteSuccess\":0,\"deleteFail\":0,\"updateSuccess\":0,\"updateFail\":0,\"createSuccess\":{n},\"createFail\":0,\"compareAndSwapSuccess\":0,\"compareAndSwapFail\":0,\"compareAndDeleteSuccess\":0,\"compareAndDeleteFail\":0,\"expireCount\":0,\"watchers\":0}},\"CurrentVersion\":2}}",
        events.join(",")
    )
}
