//! Times the phases of a check on one file: map, populate, walk.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: phases FILE");
    let t = Instant::now();
    let f = etcdsnap_bbolt::MappedFile::open_for_scan(&path).expect("open");
    let t_map = t.elapsed();
    let t = Instant::now();
    let mut x = 0u64;
    for c in f.bytes().chunks(4096) {
        x = x.wrapping_add(c[0] as u64);
    }
    let t_touch = t.elapsed();
    let t = Instant::now();
    let r = etcdsnap_bbolt::check::check(f.bytes());
    let t_check = t.elapsed();
    println!(
        "map+populate {t_map:?} touch {t_touch:?} check {t_check:?} problems {} ({x})",
        r.problems.len()
    );
}
