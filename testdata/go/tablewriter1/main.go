// Command tablewriter1 prints tables the way etcdutl 3.7 (and Debian's
// etcdutl 3.5.30) prints `-w table`: tablewriter 1.x, rows aligned right
// (etcd v3.7.1 etcdutl/etcdutl/printer_table.go lines 28-37). Each table
// follows a line "# HEADERS => CELLS" (fields separated by "|") naming
// its input, so a test can render the same input and compare.
//
// Build in GOPATH mode against the oracle tree (testdata/scripts/
// install-oracles.sh: Debian's golang-github-olekukonko-tablewriter-dev):
//
//	GOROOT=$GOK8S_GOROOT PATH=$GOK8S_GOROOT/bin:$PATH GOPATH=$GOK8S_GOPATH:DIR \
//	GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 go build
//
// Its output is recorded in testdata/expected/tablewriter1.txt.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

func render(hdr []string, row []string) {
	fmt.Printf("# %s => %s\n", strings.Join(hdr, "|"), strings.Join(row, "|"))
	cfgBuilder := tablewriter.NewConfigBuilder().WithRowAlignment(tw.AlignRight)
	table := tablewriter.NewTable(os.Stdout, tablewriter.WithConfig(cfgBuilder.Build()))
	table.Header(hdr)
	table.Append(row)
	table.Render()
}

func main() {
	status := []string{"hash", "revision", "total keys", "total size"}
	status36 := append(append([]string{}, status...), "version")
	hashkv := []string{"hash", "hash revision", "compact revision"}
	render(status, []string{"6c78d185", "75", "60", "1.1 MB"})
	// An empty cell: a file no 3.6 wrote has no storage version.
	render(status36, []string{"6c78d185", "75", "27", "1.1 MB", ""})
	render(status36, []string{"6c78d185", "75", "27", "1.1 MB", "3.6.0"})
	render(hashkv, []string{"2446073545", "75", "61"})
	// Odd gaps: a header centred in a wider column.
	render(status, []string{"c563e4d", "6", "11", "20 kB"})
	render(status, []string{"c563e4d6", "123456789", "11", "20 kB"})
	render(hashkv, []string{"1", "1234567890123", "-1"})
}
