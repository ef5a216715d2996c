// Package keys turns configured secrets into securecookie key pairs.
//
// A secret from the environment is a passphrase of any length; gorilla's
// stores want a signing (hash) key and an AES encryption (block) key of exact
// sizes. HKDF-SHA256 derives both from one secret, separately for each
// purpose, so that no two uses share a key. It stands in for nothing
// published: it is the standard library's crypto/hkdf, called twice.
package keys

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// Pairs returns, for each secret in order, a 32-byte hash key followed by a
// 32-byte (AES-256) block key, in the form securecookie.CodecsFromPairs and
// gorilla's store constructors take. The first secret's pair signs and
// encrypts; the others only decode, which is how a secret is rotated. The
// secrets must pass sessionstore.CheckSecrets.
func Pairs(purpose string, secrets ...[]byte) ([][]byte, error) {
	if err := sessionstore.CheckSecrets(secrets); err != nil {
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
