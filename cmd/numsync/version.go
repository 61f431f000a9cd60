package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

func init() {
	register(&command{name: "version", summary: "print numsync's version, the commit it was built from and the Go release", noConfig: true, run: runVersion})
}

func runVersion(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("version", ""), args, 0, 0); err != nil {
		return err
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Errorf("this binary carries no build information (built without module support)")
	}
	printVersion(e.stdout, bi)
	return nil
}

// printVersion writes what the Go toolchain recorded in the binary: the
// module version ("go install …@v1.2.0" stamps it; a build in a git
// checkout gets a pseudo-version), the commit and its time when the build
// saw the repository, and the Go release and platform.
func printVersion(w io.Writer, bi *debug.BuildInfo) {
	s := map[string]string{}
	for _, kv := range bi.Settings {
		s[kv.Key] = kv.Value
	}
	fmt.Fprintf(w, "numsync %s\n", bi.Main.Version)
	switch rev := s["vcs.revision"]; {
	case rev == "":
		fmt.Fprintln(w, "commit unknown (built outside a git checkout, or with -buildvcs=false)")
	case s["vcs.modified"] == "true":
		fmt.Fprintf(w, "commit %s (%s) with uncommitted changes\n", rev, s["vcs.time"])
	default:
		fmt.Fprintf(w, "commit %s (%s)\n", rev, s["vcs.time"])
	}
	fmt.Fprintf(w, "go %s %s/%s\n", bi.GoVersion, s["GOOS"], s["GOARCH"])
}
