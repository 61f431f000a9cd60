package numsync

import (
	"fmt"
	"os"
	"strings"
)

// ReadSecret reads a secret (a password, a client secret) from the
// environment variable env when it is set in the config, else from file.
// what and keys name the secret and the config keys for error messages; the
// value itself never appears in an error.
func ReadSecret(what, env, envKey, file, fileKey string) (string, error) {
	if env != "" {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("the %s is missing: environment variable %s (%s) is not set or empty", what, env, envKey)
		}
		return v, nil
	}
	if file == "" {
		return "", fmt.Errorf("the %s is missing: set %s or %s", what, envKey, fileKey)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading the %s (%s): %w", what, fileKey, err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("the %s file %s (%s) is empty", what, file, fileKey)
	}
	return v, nil
}
