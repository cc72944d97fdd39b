package sleep

import (
	"maps"
	"testing"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]int
		wantErr bool
	}{
		{"web=2,worker=1", map[string]int{"web": 2, "worker": 1}, false},
		{"worker=1,web=0", map[string]int{"web": 0, "worker": 1}, false},
		{"", map[string]int{}, false},
		{"web", nil, true},
		{"web=-1", nil, true},
		{"web=65", nil, true},
		{"web=two", nil, true},
		{"web=1,web=2", nil, true},
		{"Web=1", nil, true},
		{"alloc=1", nil, true},
		{"web=1,", nil, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCounts(tc.in)
			if (err != nil) != tc.wantErr || !maps.Equal(got, tc.want) {
				t.Fatalf("ParseCounts(%q) = %v, %v", tc.in, got, err)
			}
			if err == nil {
				// What parses formats back sorted, and parses again the same.
				again, err := ParseCounts(FormatCounts(got))
				if err != nil || !maps.Equal(again, got) {
					t.Errorf("round trip of %v = %v, %v", got, again, err)
				}
			}
		})
	}
	if got := FormatCounts(map[string]int{"worker": 1, "web": 2, "beat": 0}); got != "beat=0,web=2,worker=1" {
		t.Errorf("FormatCounts = %q, want sorted", got)
	}
}

func TestCountsOf(t *testing.T) {
	job := nomad.NewServiceJob("s", "s", "", 50)
	job.AddTaskGroup(nomad.NewTaskGroup("web", 3))
	job.AddTaskGroup(&nomad.TaskGroup{Name: new("worker")}) // Nomad's default count, 1
	if got := FormatCounts(countsOf(job)); got != "web=3,worker=1" {
		t.Errorf("countsOf = %s", got)
	}
}

func TestSleepAfter(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"300", 5 * time.Minute},
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"5m", 0},
		{"99999999999", 0},
	} {
		t.Run(tc.v, func(t *testing.T) {
			if got := SleepAfter(map[string]string{contract.MetaSleepAfter: tc.v}); got != tc.want {
				t.Errorf("SleepAfter(%q) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
}
