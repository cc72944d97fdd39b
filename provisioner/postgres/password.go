package postgres

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// passwordBytes gives 256 bits of entropy; base64url makes it 43 characters
// that need no escaping in a DATABASE_URL or an environment variable.
const passwordBytes = 32

// NewPassword makes a site login's password; exported so the dev cluster's
// server (devcluster/pgserver) gives its superuser one just as strong.
func NewPassword() string {
	b := make([]byte, passwordBytes)
	rand.Read(b) // never fails: crypto/rand panics rather than return short reads
	return base64.RawURLEncoding.EncodeToString(b)
}

// scramIterations matches the server's default scram_iterations so hashes
// made here cost the same to attack as ones the server would make.
const scramIterations = 4096

// scramVerifier computes the SCRAM-SHA-256 verifier the server would store
// (RFC 5802/7677, PostgreSQL's "SCRAM-SHA-256$iter:salt$StoredKey:ServerKey"
// format). Sending the verifier instead of the password keeps the plaintext
// out of statement logs, pg_stat_activity and the wire, the way psql's
// \password does. The password must already be SASLprep-normalised;
// NewPassword's base64url output is.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("derive SCRAM key: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	enc := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s",
		scramIterations, enc(salt), enc(storedKey[:]), enc(serverKey)), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
