// Command bboltcheck opens a bbolt file read-only and runs the library's own
// consistency check (Tx.Check) on it.
//
// Usage: bboltcheck FILE
//
// Output (stdout): one line per error reported by Tx.Check, exactly as the
// error's Error() string. Nothing else is printed on success.
//
// Exit status:
//
//	0  the check reported no error
//	1  the check reported at least one error
//	2  the file could not be opened ("open: <err>" is printed)
//	3  the check panicked or crashed ("panic: <value>" is printed)
//	4  the check did not finish within BBOLTCHECK_TIMEOUT seconds (default 120)
//
// The child's address space is capped at the file size plus
// BBOLTCHECK_MEM_MB MiB (default 4096): a check that runs away on a damaged
// file crashes with an out-of-memory error (exit 3) instead.
//
// The same source builds against bbolt 1.3.6 (bboltcheck) and 1.4.3
// (bboltcheck14): both return the errors of Tx.Check() on a channel.
//
// Both bbolt versions run the check in a goroutine of their own, so a panic
// there cannot be recovered by this program. The check therefore runs in a
// child process (this same binary, re-executed) and the parent maps the
// child's fate to the exit codes above.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

const childEnv = "BBOLTCHECK_CHILD"

// Exit codes used by the child; chosen so they cannot be confused with the Go
// runtime's exit status 2 for an unrecovered panic.
const (
	childClean  = 40
	childErrors = 41
	childOpen   = 42
	childPanic  = 43
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bboltcheck FILE")
		os.Exit(64)
	}
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild(os.Args[1]))
	}
	os.Exit(runParent(os.Args[1]))
}

// limitMemory caps the child's address space so that a check running away
// on a damaged file (neither bbolt 1.3.6 nor 1.4.3 detects page cycles)
// fails with an out-of-memory crash instead of exhausting the machine. The
// cap is the file size (it is memory-mapped) plus BBOLTCHECK_MEM_MB (default
// 4096) MiB, and includes the Go runtime's own reservations: about 700 MiB
// for Go 1.19 (bboltcheck), about 1200 MiB for Go 1.27 (bboltcheck14).
func limitMemory(path string) {
	extra := uint64(4096)
	if s := os.Getenv("BBOLTCHECK_MEM_MB"); s != "" {
		if mb, err := strconv.ParseUint(s, 10, 64); err == nil && mb > 0 {
			extra = mb
		}
	}
	var size uint64
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		size = uint64(fi.Size())
	}
	limit := size + extra<<20
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
}

func runChild(path string) (code int) {
	limitMemory(path)
	defer func() {
		if r := recover(); r != nil {
			fmt.Printf("panic: %v\n", r)
			code = childPanic
		}
	}()
	// bolt.Open would create a missing file (even read-only); refuse instead.
	if _, err := os.Stat(path); err != nil {
		fmt.Printf("open: %v\n", err)
		return childOpen
	}
	db, err := bolt.Open(path, 0400, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		fmt.Printf("open: %v\n", err)
		return childOpen
	}
	defer db.Close()
	n := 0
	err = db.View(func(tx *bolt.Tx) error {
		before := runtime.NumGoroutine()
		for cerr := range tx.Check() {
			fmt.Println(cerr.Error())
			n++
		}
		// bbolt 1.4 closes the channel in a deferred call, which runs when
		// the check panics too: the loop above then ends as if the check
		// had finished, and exiting now would race the panic (a crash
		// reported as clean). Wait until the check's goroutines have
		// returned; after a panic they never do, and the panic ends the
		// process first.
		for runtime.NumGoroutine() > before {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if err != nil {
		fmt.Printf("view: %v\n", err)
		n++
	}
	if n > 0 {
		return childErrors
	}
	return childClean
}

func runParent(path string) int {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	timeout := 120 * time.Second
	if s := os.Getenv("BBOLTCHECK_TIMEOUT"); s != "" {
		if secs, perr := strconv.Atoi(s); perr == nil && secs > 0 {
			timeout = time.Duration(secs) * time.Second
		}
	}
	cmd := exec.Command(self, path)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		fmt.Printf("panic: cannot start check: %v\n", err)
		return 3
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		os.Stdout.Write(wholeLines(stdout.Bytes()))
		fmt.Printf("timeout: check did not finish within %s\n", timeout)
		return 4
	}
	code := -1
	signal := ""
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			signal = ws.Signal().String()
		}
	}
	switch code {
	case childClean:
		os.Stdout.Write(stdout.Bytes())
		return 0
	case childErrors:
		os.Stdout.Write(stdout.Bytes())
		return 1
	case childOpen:
		os.Stdout.Write(stdout.Bytes())
		return 2
	case childPanic:
		os.Stdout.Write(stdout.Bytes())
		return 3
	}
	// The child crashed (typically a panic in the check goroutine, which the
	// Go runtime reports on stderr and turns into exit status 2).
	os.Stdout.Write(wholeLines(stdout.Bytes()))
	fmt.Printf("panic: %s\n", panicValue(stderr.String(), code, signal))
	return 3
}

// wholeLines drops an unterminated last line: a child killed or crashed
// while printing an error (bbolt 1.4 appends the page stack, which grows
// without bound on a cycle) leaves part of it, and the line this program
// adds must start a line of its own.
func wholeLines(out []byte) []byte {
	return out[:bytes.LastIndexByte(out, '\n')+1]
}

// panicValue extracts the panic value from a Go runtime crash report.
func panicValue(report string, code int, signal string) string {
	for _, line := range strings.Split(report, "\n") {
		if strings.HasPrefix(line, "panic: ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "panic: "))
		}
		if strings.HasPrefix(line, "fatal error: ") {
			return strings.TrimSpace(line)
		}
		if strings.HasPrefix(line, "unexpected fault address") {
			return strings.TrimSpace(line)
		}
	}
	if signal != "" {
		return fmt.Sprintf("check process killed by signal: %s", signal)
	}
	return fmt.Sprintf("check process exited with status %d", code)
}
