package creem_test

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// benchServerChild marks the child process that serves the benchmark fixtures.
const benchServerChild = "CREEM_BENCH_SERVER_CHILD"

// benchServerProcess starts this test binary again as the fixture server (see TestMain) and
// returns its URL. BENCH_SERVER_CPU, e.g. "1", pins it to that CPU with taskset, so that a client
// pinned elsewhere (taskset -c 0 go test …) does not share a core with it.
func benchServerProcess(b *testing.B) string {
	b.Helper()
	args := []string{os.Args[0], "-test.run=^$"}
	if cpu := os.Getenv("BENCH_SERVER_CPU"); cpu != "" {
		args = append([]string{"taskset", "-c", cpu}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), benchServerChild+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("benchmark server: %v", err)
	}
	return strings.TrimSpace(line)
}

// serveBenchFixtures is the child's main: it serves the fixtures on loopback, prints its URL
// and stops when its standard input closes (the parent is done or gone).
func serveBenchFixtures() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: fixtureHandler(benchFixtures(fatalTB{})), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	os.Stdout.WriteString("http://" + ln.Addr().String() + "\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // returns at EOF
	_ = srv.Close()
}

// fatalTB lets the fixture builders run outside a test: any failure panics.
type fatalTB struct{ testing.TB }

func (fatalTB) Helper()                   {}
func (fatalTB) Fatal(args ...any)         { panic(args) }
func (fatalTB) Fatalf(f string, a ...any) { panic(f) }

// reportCPU reports the CPU time this process spent per operation.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
