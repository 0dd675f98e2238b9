//! etcd's backend schema, read and written in one place: bucket and
//! meta-key names, revision keys, the stored protobuf records (KeyValue,
//! Lease, auth users and roles), Go-style JSON, and the releases whose
//! rules differ.
//!
//! ```
//! use etcdsnap_schema::{kv::decode_kv, Revision};
//!
//! let key = Revision { main: 5, sub: 0 }.to_key(false);
//! assert_eq!(Revision::decode(&key), Some((Revision { main: 5, sub: 0 }, false)));
//! let kv = decode_kv(&[0x0a, 3, b'f', b'o', b'o', 0x18, 5]).unwrap();
//! assert_eq!((kv.key, kv.mod_revision), (&b"foo"[..], 5));
//! ```

mod error;
pub mod gojson;
pub mod kv;
pub mod member;
pub mod meta;
pub mod names;
pub mod proto;
pub mod release;
pub mod revision;
pub mod wire;

pub use error::Error;
pub use kv::{decode_kv, Kv};
pub use release::EtcdVersion;
pub use revision::Revision;
