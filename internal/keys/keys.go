// Package keys turns configured secrets into securecookie key pairs.
//
// A secret from the environment is a passphrase of any length; gorilla's
// stores want a signing (hash) key and an AES encryption (block) key of exact
// sizes. HKDF-SHA256 derives both from one secret, separately for each
// purpose, so that no two uses share a key.
package keys

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
)

// MinSecretLength is the shortest secret the course's stores accept. A
// signing key shorter than the HMAC-SHA256 output (32 bytes) is easier to
// guess than the signature it protects.
const MinSecretLength = 32

// Check reports whether secrets holds at least one secret and every one
// is at least MinSecretLength bytes long. Every store checks its secrets
// here, so the rule and its message are the same everywhere.
func Check(secrets [][]byte) error {
	if len(secrets) == 0 {
		return errors.New("at least one secret is required")
	}
	for i, secret := range secrets {
		if len(secret) < MinSecretLength {
			return fmt.Errorf("secret %d is %d bytes long; it must be at least %d", i+1, len(secret), MinSecretLength)
		}
	}
	return nil
}

// Pairs returns, for each secret in order, a 32-byte hash key followed by a
// 32-byte (AES-256) block key, in the form securecookie.CodecsFromPairs and
// gorilla's store constructors take. The first secret's pair signs and
// encrypts; the others only decode, which is how a secret is rotated. The
// secrets must pass Check.
func Pairs(purpose string, secrets ...[]byte) ([][]byte, error) {
	if err := Check(secrets); err != nil {
		return nil, err
	}
	pairs := make([][]byte, 0, 2*len(secrets))
	for _, secret := range secrets {
		hash, err := hkdf.Key(sha256.New, secret, nil, purpose+" signing", 32)
		if err != nil {
			return nil, fmt.Errorf("deriving a signing key: %w", err)
		}
		block, err := hkdf.Key(sha256.New, secret, nil, purpose+" encryption", 32)
		if err != nil {
			return nil, fmt.Errorf("deriving an encryption key: %w", err)
		}
		pairs = append(pairs, hash, block)
	}
	return pairs, nil
}
