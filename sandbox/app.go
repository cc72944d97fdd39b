package sandbox

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// AppDirName is where, inside the allocation's shared dir, the launcher
// puts the site's private copy of its code.
const AppDirName = "app"

// stageApp copies the site's code from src into the allocation, owned by
// the site and closed to everyone else, so the source itself can be
// readable by root alone: no other site can read a site's code, neither
// where it was deployed from nor where it runs. Tasks of one allocation
// share the copy; the first to start makes it.
func stageApp(src, allocDir string, uid int) (string, error) {
	dst := filepath.Join(allocDir, AppDirName)
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	tmp := dst + ".partial"
	_ = os.RemoveAll(tmp)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == "__pycache__" || d.Name() == ".git") && rel != "." {
			return filepath.SkipDir
		}
		target := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if err := copyFile(path, target); err != nil {
				return err
			}
		default:
			// Symlinks could point anywhere on the node (another site's
			// code included) and devices have no business in an app.
			return nil
		}
		return os.Lchown(target, uid, uid)
	})
	if err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("copying the app from %s: %w", src, err)
	}
	return dst, os.Rename(tmp, dst)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	// Keep the owner's execute bit (scripts), drop everyone else's access.
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fi.Mode().Perm()&0o700|0o400)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
