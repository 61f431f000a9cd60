package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// A support request starts with "numsync version": it must name the
// release, the exact commit and whether the tree had local changes.
func TestPrintVersion(t *testing.T) {
	goos := []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"}}
	for _, tc := range []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"Installed", "v1.4.0", goos, "numsync v1.4.0\n" +
			"commit unknown (built outside a git checkout, or with -buildvcs=false)\n" +
			"go go1.26.0 linux/amd64\n"},
		{"GitCheckout", "v0.0.0-20261203075632-263612c18cf0", append(goos,
			debug.BuildSetting{Key: "vcs.revision", Value: "263612c18cf0d8486bda9f8892ee3dd2160c3868"},
			debug.BuildSetting{Key: "vcs.time", Value: "2026-12-03T07:56:32Z"},
			debug.BuildSetting{Key: "vcs.modified", Value: "false"}),
			"numsync v0.0.0-20261203075632-263612c18cf0\n" +
				"commit 263612c18cf0d8486bda9f8892ee3dd2160c3868 (2026-12-03T07:56:32Z)\n" +
				"go go1.26.0 linux/amd64\n"},
		{"LocalChanges", "v0.0.0-20261203075632-263612c18cf0+dirty", append(goos,
			debug.BuildSetting{Key: "vcs.revision", Value: "263612c18cf0d8486bda9f8892ee3dd2160c3868"},
			debug.BuildSetting{Key: "vcs.time", Value: "2026-12-03T07:56:32Z"},
			debug.BuildSetting{Key: "vcs.modified", Value: "true"}),
			"numsync v0.0.0-20261203075632-263612c18cf0+dirty\n" +
				"commit 263612c18cf0d8486bda9f8892ee3dd2160c3868 (2026-12-03T07:56:32Z) with uncommitted changes\n" +
				"go go1.26.0 linux/amd64\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/numsync/numsync", Version: tc.version}, Settings: tc.settings}
			var b strings.Builder
			printVersion(&b, bi)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}
