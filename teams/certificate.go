package teams

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A certificate in place of the client secret: Entra ID takes a client
// assertion, a short-lived JWT the app signs with the certificate's private
// key, naming the certificate by its thumbprint ("Microsoft identity
// platform application authentication certificate credentials": header
// alg RS256 and x5t / x5t#S256; claims aud the token endpoint, iss and sub
// the client id, jti unique, nbf, exp, iat; sent as client_assertion with
// client_assertion_type jwt-bearer). The certificate's public part is
// uploaded to the app registration; the private key never leaves here.

// ClientAssertionType is the client_assertion_type of a certificate
// credential.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLife is how long a client assertion is good for: short, since
// one is made for each token request.
const assertionLife = 5 * time.Minute

// Certificate is the app's certificate credential: its RSA private key and
// the certificate's thumbprints.
type Certificate struct {
	key      *rsa.PrivateKey
	x5t      string // base64url SHA-1 thumbprint of the DER certificate
	x5tS256  string // base64url SHA-256 thumbprint
	notAfter time.Time
}

// LoadCertificate reads a PEM file holding the certificate and its RSA
// private key (PKCS#1 or PKCS#8, unencrypted), as `openssl req -x509
// -newkey rsa:2048 -nodes` writes them concatenated. Errors never carry
// the key.
func LoadCertificate(path string) (*Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the certificate file: %w", err)
	}
	return ParseCertificate(b)
}

// ParseCertificate reads a certificate and its private key from PEM.
func ParseCertificate(pemData []byte) (*Certificate, error) {
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	for rest := pemData; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			if cert != nil {
				continue // the chain's others; the first is the app's
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, errors.New("the certificate file's CERTIFICATE block cannot be read")
			}
			cert = c
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, errors.New("the certificate file's private key cannot be read")
			}
			key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			rk, ok := k.(*rsa.PrivateKey)
			if err != nil || !ok {
				return nil, errors.New("the certificate file's private key cannot be read, or is not RSA")
			}
			key = rk
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the certificate file's private key is encrypted; give it unencrypted, in a file only the bot can read")
		}
	}
	if cert == nil || key == nil {
		return nil, errors.New("the certificate file needs the certificate and its RSA private key, in PEM")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.Cmp(key.N) != 0 || pub.E != key.E {
		return nil, errors.New("the certificate file's private key is not the certificate's")
	}
	s1 := sha1.Sum(cert.Raw)
	s256 := sha256.Sum256(cert.Raw)
	return &Certificate{key: key, notAfter: cert.NotAfter,
		x5t:     base64.RawURLEncoding.EncodeToString(s1[:]),
		x5tS256: base64.RawURLEncoding.EncodeToString(s256[:])}, nil
}

// NotAfter is when the certificate expires.
func (c *Certificate) NotAfter() time.Time { return c.notAfter }

// Public is the certificate's public key (tests).
func (c *Certificate) Public() crypto.PublicKey { return &c.key.PublicKey }

// assertion is a client assertion for clientID at tokenURL, made at now.
func (c *Certificate) assertion(clientID, tokenURL string, now time.Time) (string, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"aud": tokenURL, "iss": clientID, "sub": clientID, "jti": hex.EncodeToString(id[:]),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(assertionLife).Unix(),
	})
	tok.Header["x5t"] = c.x5t
	tok.Header["x5t#S256"] = c.x5tS256
	return tok.SignedString(c.key)
}
