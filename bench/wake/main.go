// Command wake benchmarks waking sleeping sites on a real one-machine dev
// cluster of its own: wake latency (request sent to first byte through
// the router) over repeated wakes of examples/hello and examples/django,
// beside their warm latency; a burst of concurrent requests to one
// sleeping site; many sleeping sites woken at once; and, for one wake of
// each example, where the time goes (router log, Nomad task events,
// Consul health). It prints a Markdown report and writes it as JSON.
//
//	bench/wake/run -json /tmp/wake.json   # builds hostctl statically, then runs this
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// failure carries a fatal error up through main's deferred clean-up, so
// a failed run never leaves a dev cluster behind.
type failure struct{ err error }

func check(err error) {
	if err != nil {
		panic(failure{err})
	}
}

func fail(format string, args ...any) { panic(failure{fmt.Errorf(format, args...)}) }

type options struct {
	hostctl    string
	portBase   int
	wakes      int
	warm       int
	concurrent int
	many       int
	parallel   int
	settle     time.Duration
	jsonOut    string
	skipDjango bool
	density    int
	batch      int
	awake      int
	onlyDense  bool
}

func main() {
	var o options
	flag.StringVar(&o.hostctl, "hostctl", "", "hostctl binary (built statically from this tree when empty)")
	flag.IntVar(&o.portBase, "port-base", 17000, "dev cluster ports (9 from here)")
	flag.IntVar(&o.wakes, "n", 50, "wakes measured per example")
	flag.IntVar(&o.warm, "warm", 200, "requests to the awake site for the warm latency")
	flag.IntVar(&o.concurrent, "concurrent", 100, "concurrent requests to one sleeping hello site")
	flag.IntVar(&o.many, "k", 100, "sleeping hello sites woken at once, one request each (0: skip)")
	flag.IntVar(&o.parallel, "parallel", 8, "concurrent hostctl commands when putting the k sites to sleep")
	flag.DurationVar(&o.settle, "settle", 500*time.Millisecond, "pause after a site is asleep and stopped, before its wake")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON here")
	flag.BoolVar(&o.skipDjango, "skip-django", false, "only examples/hello")
	flag.IntVar(&o.density, "density", 0, "then register this many hello sites asleep (0: skip the density part)")
	flag.IntVar(&o.batch, "batch", 1000, "sites per `site apply --asleep` in the density part")
	flag.IntVar(&o.awake, "awake", 300, "density sites woken and kept awake")
	flag.BoolVar(&o.onlyDense, "only-density", false, "run the density part alone")
	flag.Parse()

	failed := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				f, ok := r.(failure)
				if !ok {
					panic(r)
				}
				log.Print(f.err)
				failed = true
			}
		}()
		runBench(o)
	}()
	if failed {
		os.Exit(1)
	}
}

func runBench(o options) {
	started := time.Now()
	res := results{Command: strings.Join(append([]string{"bench/wake"}, os.Args[1:]...), " "), Started: started, Machine: machine()}
	work, err := os.MkdirTemp("/tmp", "hostctl-wbench-")
	check(err)
	// Not 0700: the site users must reach their task directories below it.
	check(os.Chmod(work, 0o711))
	defer os.RemoveAll(work)
	bin := o.hostctl
	if bin == "" {
		bin = filepath.Join(work, "hostctl")
		// Static, as scripts/bootstrap builds it: the dev cluster refuses
		// a dynamically linked launcher.
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/hostctl")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
	}
	bin, err = filepath.Abs(bin)
	check(err)

	c := &cluster{bin: bin, state: filepath.Join(work, "dev"), settle: o.settle}
	check(os.Mkdir(c.state, 0o711))
	defer c.down()
	c.up(o.portBase)

	if o.onlyDense {
		d := density(c, o.density, o.batch, o.awake, o.parallel)
		res.Density = &d
		finish(res, started, o)
		return
	}
	examples := []example{{site: "hello", dir: "examples/hello", path: "/"}}
	if !o.skipDjango {
		examples = append(examples, example{site: "django", dir: "examples/django", path: "/"})
	}
	for _, ex := range examples {
		c.deployExample(ex)
	}
	for _, ex := range examples {
		res.Sites = append(res.Sites, measureSite(c, ex, o))
	}
	res.Concurrent = concurrentWake(c, "hello", o.concurrent)
	if o.many > 0 {
		m := manyWake(c, o.many, o.parallel)
		res.Many = &m
	}
	if o.density > 0 {
		d := density(c, o.density, o.batch, o.awake, o.parallel)
		res.Density = &d
	}
	finish(res, started, o)
}

func finish(res results, started time.Time, o options) {
	res.TookSeconds = time.Since(started).Seconds()
	res.MachineAfter = machine()
	fmt.Print(res.markdown())
	if o.jsonOut != "" {
		check(res.writeJSON(o.jsonOut))
	}
}
