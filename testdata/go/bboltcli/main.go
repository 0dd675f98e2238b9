// Command bboltcli prints what the bbolt command-line tool prints for
// `stats` and `pages`, computed by the real Go bbolt library
// (Bucket.Stats, Tx.Page), in the output format of bbolt's cmd/bbolt
// (v1.3.6 to v1.5 print these two identically). Debian's bbolt package
// ships no cmd/bbolt, so this stands in for it as an oracle.
//
// Unlike bbolt 1.3.6's own tool it opens the file read-only, and loads the
// freelist first (a Tx.Check pass) so that free pages are known, as
// v1.3.7+ does with PreLoadFreelist.
//
// Usage: bboltcli stats PATH [PREFIX] | bboltcli pages PATH
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: bboltcli stats PATH [PREFIX] | bboltcli pages PATH")
		os.Exit(2)
	}
	if _, err := os.Stat(os.Args[2]); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	db, err := bolt.Open(os.Args[2], 0600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer db.Close()
	switch os.Args[1] {
	case "stats":
		prefix := ""
		if len(os.Args) > 3 {
			prefix = os.Args[3]
		}
		err = stats(db, prefix)
	case "pages":
		err = pages(db)
	default:
		err = fmt.Errorf("unknown command")
	}
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}

func pct(part, whole int) int {
	if whole == 0 {
		return 0
	}
	return int(float32(part) * 100.0 / float32(whole))
}

func stats(db *bolt.DB, prefix string) error {
	return db.View(func(tx *bolt.Tx) error {
		var s bolt.BucketStats
		var count int
		if err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if bytes.HasPrefix(name, []byte(prefix)) {
				s.Add(b.Stats())
				count++
			}
			return nil
		}); err != nil {
			return err
		}
		w := os.Stdout
		fmt.Fprintf(w, "Aggregate statistics for %d buckets\n\n", count)
		fmt.Fprintln(w, "Page count statistics")
		fmt.Fprintf(w, "\tNumber of logical branch pages: %d\n", s.BranchPageN)
		fmt.Fprintf(w, "\tNumber of physical branch overflow pages: %d\n", s.BranchOverflowN)
		fmt.Fprintf(w, "\tNumber of logical leaf pages: %d\n", s.LeafPageN)
		fmt.Fprintf(w, "\tNumber of physical leaf overflow pages: %d\n", s.LeafOverflowN)
		fmt.Fprintln(w, "Tree statistics")
		fmt.Fprintf(w, "\tNumber of keys/value pairs: %d\n", s.KeyN)
		fmt.Fprintf(w, "\tNumber of levels in B+tree: %d\n", s.Depth)
		fmt.Fprintln(w, "Page size utilization")
		fmt.Fprintf(w, "\tBytes allocated for physical branch pages: %d\n", s.BranchAlloc)
		fmt.Fprintf(w, "\tBytes actually used for branch data: %d (%d%%)\n", s.BranchInuse, pct(s.BranchInuse, s.BranchAlloc))
		fmt.Fprintf(w, "\tBytes allocated for physical leaf pages: %d\n", s.LeafAlloc)
		fmt.Fprintf(w, "\tBytes actually used for leaf data: %d (%d%%)\n", s.LeafInuse, pct(s.LeafInuse, s.LeafAlloc))
		fmt.Fprintln(w, "Bucket statistics")
		fmt.Fprintf(w, "\tTotal number of buckets: %d\n", s.BucketN)
		fmt.Fprintf(w, "\tTotal number on inlined buckets: %d (%d%%)\n", s.InlineBucketN, pct(s.InlineBucketN, s.BucketN))
		fmt.Fprintf(w, "\tBytes used for inlined buckets: %d (%d%%)\n", s.InlineBucketInuse, pct(s.InlineBucketInuse, s.LeafInuse))
		return nil
	})
}

func pages(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		// Tx.Check loads the freelist (bbolt 1.3.6 loads it lazily in
		// read-only mode); its findings are not this command's business.
		for range tx.Check() {
		}
		fmt.Println("ID       TYPE       ITEMS  OVRFLW")
		fmt.Println("======== ========== ====== ======")
		id := 0
		for {
			p, err := tx.Page(id)
			if err != nil {
				return fmt.Errorf("page error: id=%d, err=%s", id, err)
			} else if p == nil {
				break
			}
			var count, overflow string
			if p.Type != "free" {
				count = strconv.Itoa(p.Count)
				if p.OverflowCount > 0 {
					overflow = strconv.Itoa(p.OverflowCount)
				}
			}
			fmt.Printf("%-8d %-10s %-6s %-6s\n", p.ID, p.Type, count, overflow)
			id++
			if p.Type != "free" {
				id += p.OverflowCount
			}
		}
		return nil
	})
}
