package viewer

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// GLFW must be called from the main OS thread: TestMain keeps the main goroutine (locked to
// it by init) serving onMain while the tests run on other goroutines.
func init() { runtime.LockOSThread() }

var mainQueue = make(chan func())

// mainFatal is what fatalf panics with inside onMain; onMain returns it as an error.
type mainFatal struct{ msg string }

// fatalf stops the function running on the main thread (t.Fatal may not run there).
func fatalf(format string, a ...any) { panic(mainFatal{fmt.Sprintf(format, a...)}) }

// onMain runs f on the main OS thread and waits for it; a fatalf inside f comes back as the
// message for t.Fatal on the test's goroutine.
func onMain(f func()) (fatal string) {
	done := make(chan struct{})
	mainQueue <- func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				m, ok := r.(mainFatal)
				if !ok {
					panic(r)
				}
				fatal = m.msg
			}
		}()
		f()
	}
	<-done
	return fatal
}

// displayErr says why no X display is available ("" when one is).
var displayErr string

func TestMain(m *testing.M) {
	stop := ensureDisplay()
	exit := make(chan int)
	go func() { exit <- m.Run() }()
	for {
		select {
		case f := <-mainQueue:
			f()
		case code := <-exit:
			stop()
			os.Exit(code)
		}
	}
}

// ensureDisplay starts a private Xvfb when DISPLAY is unset and Xvfb is installed; the window
// tests skip (or fail under CI) when there is no display.
func ensureDisplay() (stop func()) {
	if os.Getenv("DISPLAY") != "" {
		return func() {}
	}
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		displayErr = "DISPLAY is unset and Xvfb is not installed (apt-get install -y xvfb)"
		return func() {}
	}
	r, w, err := os.Pipe()
	if err != nil {
		displayErr = err.Error()
		return func() {}
	}
	// -displayfd 3: Xvfb picks a free display number and writes it to fd 3 (ExtraFiles[0]).
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", "1600x1000x24", "-nolisten", "tcp")
	dieWithParent(cmd)
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		displayErr = fmt.Sprintf("starting Xvfb: %v", err)
		return func() {}
	}
	w.Close()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			displayErr = "Xvfb exited without a display number"
			break
		}
		os.Setenv("DISPLAY", ":"+n)
	case <-time.After(10 * time.Second):
		displayErr = "Xvfb did not report a display within 10 s"
	}
	return func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		r.Close()
	}
}

// needDisplay skips a window test without a display, or fails it under CI.
func needDisplay(t *testing.T) {
	t.Helper()
	if displayErr == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no X display under CI: %s", displayErr)
	}
	t.Skip(displayErr)
}
