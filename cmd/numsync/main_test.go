package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run the real numsync main as a command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"numsync": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each drives
// the real binary entry point on real files. $SAMPLE is a fresh copy of the
// sample tenant in testdata/sample.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			dst := filepath.Join(env.WorkDir, "sample")
			env.Setenv("SAMPLE", dst)
			return os.CopyFS(dst, os.DirFS("../../testdata/sample"))
		},
		RequireExplicitExec: false,
	})
}
