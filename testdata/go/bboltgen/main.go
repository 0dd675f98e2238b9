// Command bboltgen writes the Go-bbolt fixture files of etcdsnap's testdata.
//
// Usage: bboltgen OUTDIR [NAME...]
//
// With no NAME every fixture is written. Every key and value is fixed or
// derived from a counter: nothing is random. Existing files are replaced.
// After writing, a one-line summary of each file's metas and freelist (read
// from the raw bytes) is printed to stdout.
//
// The output is logically repeatable (same buckets, keys, values, sequences
// and transaction count) but not byte-for-byte: bbolt spills the sub-buckets
// touched by a transaction in Go map order, so page numbers can differ from
// run to run.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

type fixture struct {
	name string
	make func(path string) error
}

var fixtures = []fixture{
	{"empty.db", makeEmpty},
	{"nested-4096.db", func(p string) error { return makeNested(p, 4096) }},
	{"pagesize-8192.db", func(p string) error { return makeNested(p, 8192) }},
	{"pagesize-16384.db", func(p string) error { return makeNested(p, 16384) }},
	{"writeto.db", makeWriteTo},
	{"nofreelistsync.db", makeNoFreelistSync},
	{"keys-and-fill.db", makeKeysAndFill},
	{"big-freelist.db", makeBigFreelist},
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bboltgen OUTDIR [NAME...]")
		os.Exit(64)
	}
	out := os.Args[1]
	want := map[string]bool{}
	for _, n := range os.Args[2:] {
		want[n] = true
	}
	if err := os.MkdirAll(out, 0755); err != nil {
		fail(err)
	}
	for _, f := range fixtures {
		if len(want) > 0 && !want[f.name] {
			continue
		}
		path := filepath.Join(out, f.name)
		_ = os.Remove(path)
		if err := f.make(path); err != nil {
			fail(fmt.Errorf("%s: %w", f.name, err))
		}
		fmt.Printf("%s: %s\n", f.name, describe(path))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bboltgen:", err)
	os.Exit(1)
}

func open(path string, pageSize int, noFreelistSync bool) (*bolt.DB, error) {
	return bolt.Open(path, 0644, &bolt.Options{
		Timeout:        5 * time.Second,
		PageSize:       pageSize,
		NoFreelistSync: noFreelistSync,
		FreelistType:   bolt.FreelistArrayType,
	})
}

// pattern returns n bytes derived from seed: a fixed, printable-free byte
// sequence that does not compress to nothing.
func pattern(n int, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*7 + seed*13 + (i>>8)*3) % 251)
	}
	return b
}

func put(b *bolt.Bucket, k, v []byte) error { return b.Put(k, v) }

func makeEmpty(path string) error {
	db, err := open(path, 4096, false)
	if err != nil {
		return err
	}
	return db.Close()
}

// makeNested writes the general-purpose fixture: nested buckets, inline
// buckets, multi-level trees, overflow values, binary and unicode keys,
// bucket sequences, and a non-empty freelist left by deletes.
func makeNested(path string, pageSize int) error {
	db, err := open(path, pageSize, false)
	if err != nil {
		return err
	}
	defer db.Close()

	// Transaction 1: the bulk of the content.
	err = db.Update(func(tx *bolt.Tx) error {
		// alpha/beta/gamma/delta: four levels of nesting with keys at each level.
		alpha, err := tx.CreateBucket([]byte("alpha"))
		if err != nil {
			return err
		}
		for i := 0; i < 20; i++ {
			if err := put(alpha, []byte(fmt.Sprintf("a-%02d", i)), []byte(fmt.Sprintf("alpha value %d", i))); err != nil {
				return err
			}
		}
		beta, err := alpha.CreateBucket([]byte("beta"))
		if err != nil {
			return err
		}
		for i := 0; i < 10; i++ {
			if err := put(beta, []byte(fmt.Sprintf("b-%02d", i)), []byte(fmt.Sprintf("beta value %d", i))); err != nil {
				return err
			}
		}
		gamma, err := beta.CreateBucket([]byte("gamma"))
		if err != nil {
			return err
		}
		if err := put(gamma, []byte("g-00"), []byte("gamma value 0")); err != nil {
			return err
		}
		delta, err := gamma.CreateBucket([]byte("delta"))
		if err != nil {
			return err
		}
		// delta is small and has no sub-buckets: stored inline inside gamma.
		if err := put(delta, []byte("d-00"), []byte("deepest")); err != nil {
			return err
		}
		if err := put(delta, []byte("d-01"), []byte("deepest too")); err != nil {
			return err
		}
		// A small inline bucket directly inside alpha.
		ai, err := alpha.CreateBucket([]byte("inline-child"))
		if err != nil {
			return err
		}
		if err := put(ai, []byte("x"), []byte("1")); err != nil {
			return err
		}
		if err := put(ai, []byte("y"), []byte("2")); err != nil {
			return err
		}
		// A tiny bucket whose only content is an empty sub-bucket: never
		// inline, because it has a sub-bucket.
		holder, err := alpha.CreateBucket([]byte("holder"))
		if err != nil {
			return err
		}
		if _, err := holder.CreateBucket([]byte("empty-child")); err != nil {
			return err
		}

		// A top-level inline bucket with two small keys.
		inl, err := tx.CreateBucket([]byte("inline"))
		if err != nil {
			return err
		}
		if err := put(inl, []byte("k1"), []byte("v1")); err != nil {
			return err
		}
		if err := put(inl, []byte("k2"), []byte("v2")); err != nil {
			return err
		}

		// An empty top-level bucket.
		if _, err := tx.CreateBucket([]byte("empty")); err != nil {
			return err
		}

		// large: a few thousand keys, many leaf pages under branch pages.
		large, err := tx.CreateBucket([]byte("large"))
		if err != nil {
			return err
		}
		for i := 0; i < 1200; i++ {
			v := append([]byte(fmt.Sprintf("value-%06d-", i)), pattern(8+i%24, i)...)
			if err := put(large, []byte(fmt.Sprintf("key-%06d", i)), v); err != nil {
				return err
			}
		}

		// deep: long keys, so few fit in a branch page and the tree has
		// three levels (branch, branch, leaf) at a 4096-byte page size.
		deep, err := tx.CreateBucket([]byte("deep"))
		if err != nil {
			return err
		}
		for i := 0; i < 200; i++ {
			k := append([]byte(fmt.Sprintf("%05d-", i)), bytes.Repeat([]byte{'k'}, 200)...)
			if err := put(deep, k, pattern(20, i)); err != nil {
				return err
			}
		}

		// overflow: values larger than one page.
		ov, err := tx.CreateBucket([]byte("overflow"))
		if err != nil {
			return err
		}
		if err := put(ov, []byte("big"), pattern(5*pageSize+123, 1)); err != nil {
			return err
		}
		if err := put(ov, []byte("exactly-one-page"), pattern(pageSize, 2)); err != nil {
			return err
		}
		if err := put(ov, []byte("to-shrink"), pattern(3*pageSize, 3)); err != nil {
			return err
		}
		if err := put(ov, []byte("small"), []byte("small value")); err != nil {
			return err
		}

		// binary: every single-byte key 0x00..0xff, plus multi-byte keys
		// made of NULs and 0xff, and one key holding all 256 byte values.
		bin, err := tx.CreateBucket([]byte("binary"))
		if err != nil {
			return err
		}
		for i := 0; i < 256; i++ {
			if err := put(bin, []byte{byte(i)}, []byte{byte(255 - i), 0, byte(i)}); err != nil {
				return err
			}
		}
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		for _, k := range [][]byte{{0, 0}, {0, 0, 0, 0}, {0xff, 0xff}, {0xfe, 0xff, 0x00}, all} {
			if err := put(bin, k, all[:len(k)]); err != nil {
				return err
			}
		}

		// unicode keys (UTF-8) and one non-UTF-8 key.
		uni, err := tx.CreateBucket([]byte("unicode-ключ-日本"))
		if err != nil {
			return err
		}
		for i, k := range []string{"ключ", "日本語", "🎉", "naïve", "straße", "Ωmega", "中文/路径/键", "e\u0301"} {
			if err := put(uni, []byte(k), []byte(fmt.Sprintf("unicode value %d: %s", i, k))); err != nil {
				return err
			}
		}
		if err := put(uni, []byte{0xff, 0xfe, 0x01}, []byte("not utf-8")); err != nil {
			return err
		}

		// Bucket sequences.
		for i := 0; i < 5; i++ {
			if _, err := large.NextSequence(); err != nil {
				return err
			}
		}
		if _, err := alpha.NextSequence(); err != nil {
			return err
		}
		if err := bin.SetSequence(1 << 40); err != nil {
			return err
		}
		// Sequence on an inline bucket.
		if err := inl.SetSequence(7); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Transaction 2: deletes and a removed bucket.
	err = db.Update(func(tx *bolt.Tx) error {
		large := tx.Bucket([]byte("large"))
		for i := 300; i < 600; i += 3 {
			if err := large.Delete([]byte(fmt.Sprintf("key-%06d", i))); err != nil {
				return err
			}
		}
		if _, err := large.NextSequence(); err != nil {
			return err
		}
		tmp, err := tx.CreateBucket([]byte("temporary"))
		if err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			if err := put(tmp, []byte(fmt.Sprintf("t-%04d", i)), pattern(50, i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Transaction 3: shrink an overflow value, drop a bucket, more keys.
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("temporary")); err != nil {
			return err
		}
		ov := tx.Bucket([]byte("overflow"))
		if err := put(ov, []byte("to-shrink"), []byte("now small")); err != nil {
			return err
		}
		deep := tx.Bucket([]byte("deep"))
		for i := 40; i < 80; i += 2 {
			k := append([]byte(fmt.Sprintf("%05d-", i)), bytes.Repeat([]byte{'k'}, 200)...)
			if err := deep.Delete(k); err != nil {
				return err
			}
		}
		beta := tx.Bucket([]byte("alpha")).Bucket([]byte("beta"))
		if err := put(beta, []byte("b-99"), []byte("added in tx 3")); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Transaction 4: a small update so the newest meta is the other one.
	return db.Update(func(tx *bolt.Tx) error {
		return put(tx.Bucket([]byte("inline")), []byte("k3"), []byte("v3"))
	})
}

// makeWriteTo writes a nested-4096-like database to a temporary file and
// then copies it with Tx.WriteTo (the way etcd takes snapshots).
func makeWriteTo(path string) error {
	tmp := path + ".src.tmp"
	_ = os.Remove(tmp)
	defer os.Remove(tmp)
	if err := makeNested(tmp, 4096); err != nil {
		return err
	}
	db, err := bolt.Open(tmp, 0644, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0644)
	if err != nil {
		return err
	}
	err = db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(f)
		return err
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// makeNoFreelistSync writes a database whose freelist is never persisted
// (meta.freelist = 0xFFFFFFFFFFFFFFFF), as etcd does on Linux.
func makeNoFreelistSync(path string) error {
	db, err := open(path, 4096, true)
	if err != nil {
		return err
	}
	defer db.Close()
	for round := 0; round < 4; round++ {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("data"))
			if err != nil {
				return err
			}
			for i := 0; i < 400; i++ {
				k := []byte(fmt.Sprintf("r%d-%05d", round, i))
				if err := put(b, k, pattern(60, i+round)); err != nil {
					return err
				}
			}
			if round > 0 {
				for i := 0; i < 400; i += 2 {
					if err := b.Delete([]byte(fmt.Sprintf("r%d-%05d", round-1, i))); err != nil {
						return err
					}
				}
			}
			m, err := tx.CreateBucketIfNotExists([]byte("meta"))
			if err != nil {
				return err
			}
			if err := put(m, []byte("round"), []byte{byte(round)}); err != nil {
				return err
			}
			if round == 1 {
				ov, err := tx.CreateBucket([]byte("overflow"))
				if err != nil {
					return err
				}
				if err := put(ov, []byte("big"), pattern(20000, 9)); err != nil {
					return err
				}
			}
			if round == 2 {
				if err := tx.DeleteBucket([]byte("overflow")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// makeKeysAndFill writes key-size and fill-percent edge cases.
func makeKeysAndFill(path string) error {
	db, err := open(path, 4096, false)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		// Every key is one byte; 256 of them span a couple of leaf pages
		// with the default fill.
		one, err := tx.CreateBucket([]byte("one-byte-keys"))
		if err != nil {
			return err
		}
		for i := 0; i < 256; i++ {
			if err := put(one, []byte{byte(i)}, pattern(20, i)); err != nil {
				return err
			}
		}
		// Very long keys, including one of bolt.MaxKeySize bytes: the key
		// itself spills into overflow pages of its leaf and its branch
		// entry makes the branch page overflow too.
		long, err := tx.CreateBucket([]byte("long-keys"))
		if err != nil {
			return err
		}
		for i, n := range []int{1000, 2000, 4095, 4096, 5000, bolt.MaxKeySize} {
			k := append([]byte{byte('a' + i)}, bytes.Repeat([]byte{'L'}, n-1)...)
			if err := put(long, k, []byte(fmt.Sprintf("key of %d bytes", n))); err != nil {
				return err
			}
		}
		for i := 0; i < 40; i++ {
			if err := put(long, []byte(fmt.Sprintf("z-%02d", i)), []byte("short")); err != nil {
				return err
			}
		}
		// Empty values.
		ev, err := tx.CreateBucket([]byte("empty-values"))
		if err != nil {
			return err
		}
		for i := 0; i < 5; i++ {
			if err := put(ev, []byte(fmt.Sprintf("e%d", i)), []byte{}); err != nil {
				return err
			}
		}
		// FillPercent 1.0: leaf pages packed full.
		full, err := tx.CreateBucket([]byte("fill-100"))
		if err != nil {
			return err
		}
		full.FillPercent = 1.0
		for i := 0; i < 1000; i++ {
			if err := put(full, []byte(fmt.Sprintf("f%06d", i)), []byte(fmt.Sprintf("v%06d", i))); err != nil {
				return err
			}
		}
		// FillPercent 0.1 (the minimum): many sparsely filled leaves.
		sparse, err := tx.CreateBucket([]byte("fill-10"))
		if err != nil {
			return err
		}
		sparse.FillPercent = 0.1
		for i := 0; i < 200; i++ {
			if err := put(sparse, []byte(fmt.Sprintf("s%06d", i)), []byte(fmt.Sprintf("v%06d", i))); err != nil {
				return err
			}
		}
		return nil
	})
}

// makeBigFreelist writes a 4096-byte-page database whose freelist holds more
// than 65535 page ids, so the freelist page's count is the 0xFFFF escape and
// the real count is the first u64 of the page body.
func makeBigFreelist(path string) error {
	db, err := open(path, 4096, false)
	if err != nil {
		return err
	}
	defer db.Close()
	const size = 280 * 1000 * 1000
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("huge"))
		if err != nil {
			return err
		}
		if err := put(b, []byte("zeros"), make([]byte, size)); err != nil {
			return err
		}
		return put(b, []byte("keep"), []byte("this key stays"))
	})
	if err != nil {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("huge")).Delete([]byte("zeros"))
	})
}

// describe reads the raw file and summarizes both metas and the freelist
// page of the winning meta.
func describe(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "read error: " + err.Error()
	}
	le := binary.LittleEndian
	type meta struct {
		pageSize      uint32
		root, fl, hwm uint64
		txid          uint64
		ok            bool
	}
	readMeta := func(off int) meta {
		p := data[off:]
		h := fnv.New64a()
		h.Write(p[16:72])
		return meta{
			pageSize: le.Uint32(p[24:]),
			root:     le.Uint64(p[32:]),
			fl:       le.Uint64(p[48:]),
			hwm:      le.Uint64(p[56:]),
			txid:     le.Uint64(p[64:]),
			ok:       le.Uint32(p[16:]) == 0xED0CDAED && h.Sum64() == le.Uint64(p[72:]),
		}
	}
	m0 := readMeta(0)
	m1 := readMeta(int(m0.pageSize))
	win := m0
	if m1.txid > m0.txid && m1.ok {
		win = m1
	}
	s := fmt.Sprintf("size=%d pageSize=%d meta0{txid=%d root=%d freelist=%d hwm=%d} meta1{txid=%d root=%d freelist=%d hwm=%d}",
		len(data), m0.pageSize, m0.txid, m0.root, int64(m0.fl), m0.hwm, m1.txid, m1.root, int64(m1.fl), m1.hwm)
	if win.fl != ^uint64(0) {
		p := data[int(win.fl)*int(win.pageSize):]
		count := uint64(le.Uint16(p[10:]))
		escaped := count == 0xFFFF
		if escaped {
			count = le.Uint64(p[16:])
		}
		s += fmt.Sprintf(" freelistPage{flags=0x%x count=%d escaped=%v overflow=%d}", le.Uint16(p[8:]), count, escaped, le.Uint32(p[12:]))
	}
	return s + bucketStats(path)
}

// bucketStats lists, for each top-level bucket, the statistics bbolt itself
// computes (tree depth, page counts, inline sub-buckets).
func bucketStats(path string) string {
	db, err := bolt.Open(path, 0400, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return "\n  open: " + err.Error()
	}
	defer db.Close()
	var lines []string
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			st := b.Stats()
			lines = append(lines, fmt.Sprintf("\n  bucket %q: keys=%d depth=%d branch=%d leaf=%d overflowPages=%d buckets=%d inline=%d inlineInRoot=%v seq=%d",
				name, st.KeyN, st.Depth, st.BranchPageN, st.LeafPageN, st.BranchOverflowN+st.LeafOverflowN, st.BucketN, st.InlineBucketN, b.Root() == 0, b.Sequence()))
			return nil
		})
	})
	sort.Strings(lines)
	out := ""
	for _, l := range lines {
		out += l
	}
	return out
}
