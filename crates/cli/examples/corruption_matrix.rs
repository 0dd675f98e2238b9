//! Writes the corruption matrix: every damaged variant of a snapshot file
//! and of a stopped member's data dir, with the diagnosis each must get.
//!
//! ```sh
//! cargo run --example corruption_matrix -- SNAPSHOT MEMBER_DATA_DIR OUT_DIR
//! ```
//!
//! The damaged inputs go under `OUT_DIR` (`file-*.db`, `member-*/`), and one
//! line per variant (name, path, expected diagnosis) goes to stdout.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [snapshot, member, out] = args.as_slice() else {
        return Err("usage: corruption_matrix SNAPSHOT MEMBER_DATA_DIR OUT_DIR".into());
    };
    let entries = etcdsnap_testsupport::matrix::build(
        std::path::Path::new(snapshot),
        std::path::Path::new(member),
        std::path::Path::new(out),
    )?;
    for e in &entries {
        println!("{}\t{}\t{:?}", e.name, e.path.display(), e.case);
    }
    eprintln!("{} variants", entries.len());
    Ok(())
}
