package btrfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const nobody = 65534

// fill writes 64 MiB of zeros as uid into dir and returns dd's output.
func fill(t *testing.T, uid int, file string) (string, error) {
	t.Helper()
	return runAs(uid, uid, "/bin/dd", "if=/dev/zero", "of="+file, "bs=1M", "count=64")
}

// A qgroup limit reports EDQUOT ("Disk quota exceeded") once the
// subvolume's referenced bytes would pass it; ENOSPC is what a full
// filesystem says instead, and is accepted only as the fallback.
func checkQuotaError(t *testing.T, out string, err error, file string) {
	t.Helper()
	if err == nil {
		t.Fatalf("writing 64 MiB into a 16 MiB quota succeeded:\n%s", out)
	}
	switch {
	case strings.Contains(out, "Disk quota exceeded"):
	case strings.Contains(out, "No space left on device"):
		t.Logf("got ENOSPC rather than EDQUOT")
	default:
		t.Fatalf("dd failed for another reason: %v\n%s", err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() > 17<<20 {
		t.Errorf("file grew past the quota: %v, %v", fi.Size(), err)
	}
}

func TestQuotaStopsTheSiteUser(t *testing.T) {
	s, _ := newStore(t)
	path, err := s.Ensure(testContext(t), "media", nobody, nobody, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(path, "big")
	out, err := fill(t, nobody, file)
	checkQuotaError(t, out, err, file)
}

// Unlike ext4/XFS user quotas, which CAP_SYS_RESOURCE bypasses, a btrfs
// qgroup limit is a property of the subvolume and binds root as well, so a
// root-run backup restore or migration can hit it too.
func TestQuotaBindsRootToo(t *testing.T) {
	s, _ := newStore(t)
	path, err := s.Ensure(testContext(t), "media", nobody, nobody, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(path, "big")
	out, err := fill(t, 0, file)
	checkQuotaError(t, out, err, file)
}

func TestOtherUsersCannotReadTheSite(t *testing.T) {
	s, _ := newStore(t)
	path, err := s.Ensure(testContext(t), "private", nobody, nobody, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(path, "secret.txt"), []byte("site data"))

	if out, err := runAs(nobody, nobody, "/bin/ls", path); err != nil {
		t.Fatalf("the site's own uid cannot list its directory: %v: %s", err, out)
	}
	const stranger = 65533
	for _, args := range [][]string{{"/bin/ls", path}, {"/bin/cat", filepath.Join(path, "secret.txt")}} {
		out, err := runAs(stranger, stranger, args[0], args[1:]...)
		if err == nil || !strings.Contains(out, "Permission denied") {
			t.Errorf("%v as uid %d: err = %v, output %q; want permission denied", args, stranger, err, out)
		}
	}
}
