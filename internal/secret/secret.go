// Package secret reads a password from where a config says it is: an
// environment variable or a file, never the command line or the config
// itself. Errors name the source, never the value.
package secret

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Read returns the secret in the environment variable env, or else in the
// file file (without the line end an editor or echo adds). key is the
// config key the two settings share before their _env and _file ends, e.g.
// "store.password" or "teams.client_secret", for errors. Exactly one
// source must be set.
func Read(key, env, file string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("set %s_env or %s_file, not both", key, key)
	case env != "":
		p := os.Getenv(env)
		if p == "" {
			return "", fmt.Errorf("%s_env: environment variable %s is unset or empty", key, env)
		}
		return p, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_file: %w", key, err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", fmt.Errorf("%s_file: %s is empty", key, file)
		}
		return p, nil
	}
	return "", errors.New("no " + key + "_env or " + key + "_file set")
}
