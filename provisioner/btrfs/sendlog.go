package btrfs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sendLog records, per site and backup directory, the streams written
// there. It lives under Root (not in the backup directory) because the
// backup directory may be a mount that is sometimes absent or shared.
type sendLog struct {
	BackupDir string       `json:"backup_dir"`
	Sends     []sentStream `json:"sends"`
}

type sentStream struct {
	Snapshot string `json:"snapshot"`
	Parent   string `json:"parent,omitempty"`
	File     string `json:"file"`
}

// logPath hashes the backup directory: it is an arbitrary path and must
// not become one.
func logPath(root, site, backupDir string) string {
	sum := sha256.Sum256([]byte(backupDir))
	return filepath.Join(sentDir(root, site), hex.EncodeToString(sum[:16])+".json")
}

func loadSendLog(root, site, backupDir string) (*sendLog, error) {
	b, err := os.ReadFile(logPath(root, site, backupDir))
	if errors.Is(err, fs.ErrNotExist) {
		return &sendLog{BackupDir: backupDir}, nil
	}
	if err != nil {
		return nil, err
	}
	var l sendLog
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

func (l *sendLog) last() (sentStream, bool) {
	if len(l.Sends) == 0 {
		return sentStream{}, false
	}
	return l.Sends[len(l.Sends)-1], true
}

// save replaces the log atomically so a crash leaves the old or new one.
func (l *sendLog) save(root, site string) error {
	if err := os.MkdirAll(sentDir(root, site), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	path := logPath(root, site, l.BackupDir)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lastSent names, for each backup directory, the snapshot sent there last.
func lastSent(root, site string) (map[string]bool, error) {
	entries, err := os.ReadDir(sentDir(root, site))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	pinned := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(sentDir(root, site), e.Name()))
		if err != nil {
			return nil, err
		}
		var l sendLog
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, err
		}
		if last, ok := l.last(); ok {
			pinned[last.Snapshot] = true
		}
	}
	return pinned, nil
}
