//! Writes every damaged variant of every fixture
//! (`etcdsnap_testsupport::damaged_fixtures::all`) under OUTDIR as
//! `FIXTURE/VARIANT`, and prints one line per file: fixture, variant, path.
//! `testdata/scripts/record-damaged-bboltcheck.sh` runs Go bbolt's checker
//! on them.
//!
//! ```sh
//! cargo run -p etcdsnap-testsupport --example write_damaged -- OUTDIR
//! ```
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out] = args.as_slice() else {
        return Err("usage: write_damaged OUTDIR".into());
    };
    let td = etcdsnap_testsupport::damaged_fixtures::testdata();
    for d in etcdsnap_testsupport::damaged_fixtures::all(&td)? {
        let dir = std::path::Path::new(out).join(&d.fixture);
        std::fs::create_dir_all(&dir)?;
        let p = dir.join(d.name);
        std::fs::write(&p, &d.bytes)?;
        println!("{}\t{}\t{}", d.fixture, d.name, p.display());
    }
    Ok(())
}
