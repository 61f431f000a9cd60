package graph_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/graph/graphtest"
)

// appCertificate makes an RSA certificate and key as an admin uploads to
// an app registration, and writes both to one PEM file.
func appCertificate(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "numsync"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	k8, _ := x509.MarshalPKCS8PrivateKey(key)
	path := filepath.Join(t.TempDir(), "app.pem")
	writeFile(t, path, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k8})...))
	return cert, path
}

func TestCertificateCredential(t *testing.T) {
	s, cfg := newServer(t)
	cert, path := appCertificate(t)
	cfg.ClientSecretEnv, cfg.CertificateFile = "", path
	t.Run("RegisteredCertificate", func(t *testing.T) {
		s.RegisterCertificate(cert)
		if _, err := newClient(t, cfg).Check(context.Background()); err != nil {
			t.Fatalf("check with the certificate: %v", err)
		}
	})
	t.Run("OtherCertificateIsRefused", func(t *testing.T) {
		other, _ := appCertificate(t)
		s.RegisterCertificate(other)
		_, err := newClient(t, cfg).Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
			t.Fatalf("check with an unregistered certificate: %v, want the authority's refusal", err)
		}
	})
}

func TestManagedIdentityCredential(t *testing.T) {
	s, cfg := newServer(t)
	t.Setenv("IDENTITY_ENDPOINT", strings.TrimSuffix(s.AuthorityHost(), "/")+graphtest.ManagedIdentityPath)
	t.Setenv("IDENTITY_HEADER", graphtest.ManagedIdentityHeader)
	cfg.ClientSecretEnv, cfg.ClientID, cfg.ManagedIdentity = "", "", true
	res, err := newClient(t, cfg).Check(context.Background())
	if err != nil {
		t.Fatalf("check with the managed identity: %v", err)
	}
	if len(res.Missing) != 0 {
		t.Errorf("missing %v", res.Missing)
	}
}

func TestConfigNamesBadKeys(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  graph.Config
		want string
	}{
		"NoTenant":        {graph.Config{ClientID: "x"}, "teams.tenant_id: missing"},
		"PlainHTTP":       {graph.Config{TenantID: "t", ClientID: "x", GraphURL: "http://graph.example"}, "teams.graph_url: \"http://graph.example\" must be https"},
		"TwoCredentials":  {graph.Config{TenantID: "t", ClientID: "x", ClientSecretEnv: "S", ManagedIdentity: true}, "give one credential"},
		"BadConcurrency":  {graph.Config{TenantID: "t", ClientID: "x", Concurrency: 100}, "teams.concurrency: 100 is out of range"},
		"MissingCertFile": {graph.Config{TenantID: "t", ClientID: "x", CertificateFile: "/no/such.pem"}, "teams.certificate_file:"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
