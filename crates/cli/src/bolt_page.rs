//! Decoded and hex views of single pages.

use std::io::Write;

use anyhow::Result;
use etcdsnap_bbolt::layout::{self, BUCKET_HEADER_SIZE};
use etcdsnap_bbolt::meta::Meta;
use etcdsnap_bbolt::page::{Node, Page};
use etcdsnap_bbolt::{freelist, Db, PageId};
use serde_json::{json, Value};

use crate::output::{go_quote_or_hex, json_bytes, show, BytesFormat, Format};

/// Line between pages, as the bbolt command prints it.
pub const SEPARATOR: &str = "===============================================";

/// Prints each page decoded by type, in the bbolt command's `page` format.
pub fn print_pages(
    db: &Db<'_>,
    ids: &[u64],
    format: BytesFormat,
    write_out: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let mut json_pages = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let page = db.page(PageId(*id))?;
        match write_out {
            Format::Json => json_pages.push(page_json(db, &page)?),
            Format::Text => {
                if n > 0 {
                    writeln!(out, "{SEPARATOR}")?;
                }
                print_page(db, &page, format, out)?;
            }
        }
    }
    if write_out == Format::Json {
        crate::output::write_json(out, &json_pages)?;
    }
    Ok(())
}

fn print_page(
    db: &Db<'_>,
    page: &Page<'_>,
    format: BytesFormat,
    out: &mut dyn Write,
) -> Result<()> {
    let h = page.header;
    writeln!(out, "Page ID:    {}", page.id)?;
    writeln!(out, "Page Type:  {}", h.type_name())?;
    writeln!(out, "Total Size: {} bytes", page.bytes.len())?;
    writeln!(out, "Overflow pages: {}", h.overflow)?;
    // Keys as bbolt shows them (Go %q or hex); values as `format` says.
    let key = |k: &[u8]| -> String {
        match format {
            BytesFormat::Auto => go_quote_or_hex(k),
            f => String::from_utf8_lossy(&show(k, f)).into_owned(),
        }
    };
    match h.flags {
        layout::FLAG_META => {
            let m = Meta::decode(page.id.0.min(1) as u8, page.bytes)?;
            writeln!(out, "Version:    {}", m.version)?;
            writeln!(out, "Page Size:  {} bytes", m.page_size)?;
            writeln!(out, "Flags:      {:08x}", m.flags)?;
            writeln!(out, "Root:       <pgid={}>", m.root)?;
            writeln!(out, "Freelist:   <pgid={}>", m.freelist)?;
            writeln!(out, "HWM:        <pgid={}>", m.pgid)?;
            writeln!(out, "Txn ID:     {}", m.txid)?;
            writeln!(out, "Checksum:   {:016x}", m.checksum)?;
            writeln!(out)?;
        }
        layout::FLAG_FREELIST => {
            let ids = freelist::read(page)?;
            writeln!(out, "Item Count: {}", ids.count)?;
            writeln!(out, "Overflow: {}", h.overflow)?;
            writeln!(out)?;
            for id in ids.iter() {
                writeln!(out, "{id}")?;
            }
            writeln!(out)?;
        }
        layout::FLAG_BRANCH | layout::FLAG_LEAF => {
            let node = Node::from_page(page)?;
            writeln!(out, "Item Count: {}", node.count)?;
            writeln!(out)?;
            for i in 0..node.count {
                if node.is_leaf {
                    let e = node.leaf(i)?;
                    write!(out, "{}: ", key(e.key))?;
                    if e.is_bucket() {
                        let root = layout::u64_at(e.value, 0).unwrap_or(0);
                        let seq = layout::u64_at(e.value, 8).unwrap_or(0);
                        write!(out, "<pgid={root},seq={seq}>")?;
                    } else {
                        out.write_all(&show(e.value, format))?;
                    }
                    writeln!(out)?;
                } else {
                    let e = node.branch(i)?;
                    writeln!(out, "{}: <pgid={}>", key(e.key), e.child)?;
                }
            }
            writeln!(out)?;
        }
        // bbolt prints only the header lines for other page types.
        _ => {}
    }
    let _ = db;
    Ok(())
}

fn page_json(db: &Db<'_>, page: &Page<'_>) -> Result<Value> {
    let h = page.header;
    let mut v = serde_json::Map::new();
    let head = json!({
        "id": page.id,
        "offset": page.offset,
        "header_id": h.id,
        "type": h.type_name(),
        "flags": h.flags,
        "count": h.count,
        "overflow": h.overflow,
        "size": page.bytes.len(),
    });
    if let Value::Object(m) = head {
        v.extend(m);
    }
    match h.flags {
        layout::FLAG_META => {
            let m = Meta::decode(page.id.0.min(1) as u8, page.bytes)?;
            v.insert("meta".into(), serde_json::to_value(m)?);
        }
        layout::FLAG_FREELIST => {
            let ids = freelist::read(page)?;
            v.insert("free_ids".into(), json!(ids.iter().collect::<Vec<_>>()));
        }
        layout::FLAG_BRANCH | layout::FLAG_LEAF => {
            let node = Node::from_page(page)?;
            let mut items = Vec::new();
            for i in 0..node.count {
                if node.is_leaf {
                    let e = node.leaf(i)?;
                    let mut item = serde_json::Map::new();
                    item.insert("key".into(), json_bytes(e.key));
                    item.insert("flags".into(), json!(e.flags));
                    if e.is_bucket() {
                        item.insert(
                            "bucket".into(),
                            json!({
                                "root": layout::u64_at(e.value, 0),
                                "sequence": layout::u64_at(e.value, 8),
                                "inline_bytes": e.value.len().saturating_sub(BUCKET_HEADER_SIZE),
                            }),
                        );
                    } else {
                        item.insert("value".into(), json_bytes(e.value));
                    }
                    items.push(Value::Object(item));
                } else {
                    let e = node.branch(i)?;
                    items.push(json!({"key": json_bytes(e.key), "child": e.child}));
                }
            }
            v.insert("elements".into(), Value::Array(items));
        }
        _ => {}
    }
    let _ = db;
    Ok(Value::Object(v))
}

/// Hex dump in the bbolt command's `dump` format: 16-byte lines of 2-byte
/// groups at absolute offsets, a run of repeated lines folded to one `*`
/// line (the last line always printed), a blank line at the end.
pub fn hexdump(out: &mut dyn Write, addr: u64, buf: &[u8]) -> Result<()> {
    let mut prev: Option<&[u8]> = None;
    let mut skipped = false;
    let n = buf.len() / 16;
    for (i, line) in buf.chunks(16).enumerate() {
        let off = addr + (i * 16) as u64;
        let last = i + 1 >= n;
        if prev == Some(line) && !last {
            if !skipped {
                writeln!(out, "{off:07x} *")?;
                skipped = true;
            }
        } else {
            write!(out, "{off:07x}")?;
            for pair in line.chunks(2) {
                write!(out, " ")?;
                for b in pair {
                    write!(out, "{b:02x}")?;
                }
            }
            writeln!(out)?;
            skipped = false;
        }
        prev = Some(line);
    }
    writeln!(out)?;
    Ok(())
}
