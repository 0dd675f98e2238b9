//! Writes the damaged variants of a bbolt file (see `etcdsnap_testsupport::bbolt_damage`)
//! into a directory, one file per defect, for running other tools on them.
//! Usage: damage_variants FILE OUTDIR
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: damage_variants FILE OUTDIR");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&file).expect("read input");
    std::fs::create_dir_all(&out).expect("create output dir");
    for v in etcdsnap_testsupport::bbolt_damage::variants(&bytes) {
        let p = std::path::Path::new(&out).join(v.name);
        std::fs::write(&p, &v.bytes).expect("write variant");
        println!(
            "{}\t{:?}\tpage {:?}\toffset {:?}",
            p.display(),
            v.expect,
            v.page,
            v.offset
        );
    }
}
