package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-gl/gl/v2.1/gl"
	"github.com/go-gl/glfw/v3.4/glfw"
)

// The window process is started as the tray menu opens, while the person
// moves to an item (about half a second), and shows its window when the
// item is clicked. What it does before the click comes off the time to
// the window: warmGL, below. Set LATCHKEY_TRACE_STARTUP to see on stderr
// where the time goes.

// glWarmer pays, before any window is wanted, what the first GL window
// of a process costs beyond the window itself, which Fyne makes only in
// the window's first Show: loading the GL driver (under Mesa its shared
// libraries and LLVM), creating a first context, and initialising the
// shader compiler. Measured under Xvfb and llvmpipe (see the README),
// the click then takes about half as long to map Fyne's first window.
//
// It uses a hidden 1x1 window with a context like Fyne's, never shown:
// nothing appears on screen. The window is kept until Fyne's own window
// exists, then destroyed (Mesa frees what the first context set up when
// the last context goes, and would set it up again).
type glWarmer struct {
	win *glfw.Window
}

// warm makes the hidden window and compiles a shader in its context. Call
// it on Fyne's main goroutine once GLFW runs (through fyne.Do); it leaves
// no context current and the default window hints, which Fyne sets again
// for its own windows.
func (g *glWarmer) warm() error {
	glfw.DefaultWindowHints()
	defer glfw.DefaultWindowHints()
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.FocusOnShow, glfw.False)
	// The context Fyne asks for (its initWindowHints, desktop GL 2.1).
	glfw.WindowHint(glfw.ContextVersionMajor, 2)
	glfw.WindowHint(glfw.ContextVersionMinor, 1)
	w, err := glfw.CreateWindow(1, 1, "", nil, nil)
	if err != nil {
		return fmt.Errorf("warm up GL: %w", err)
	}
	g.win = w
	w.MakeContextCurrent()
	defer glfw.DetachCurrentContext()
	if err := gl.Init(); err != nil {
		return fmt.Errorf("warm up GL: %w", err)
	}
	compileShader()
	return nil
}

// release destroys the hidden window, if there is one. Call it on Fyne's
// main goroutine, once Fyne's first window is shown.
func (g *glWarmer) release() {
	if g.win != nil {
		g.win.Destroy()
		g.win = nil
	}
}

// compileShader compiles and links a trivial program in the current
// context, as Fyne does a few as its window is created: the first
// compile of a process sets up the compiler.
func compileShader() {
	program := gl.CreateProgram()
	for _, s := range []struct {
		kind uint32
		src  string
	}{
		{gl.VERTEX_SHADER, "#version 110\nattribute vec2 vert;\nvoid main() { gl_Position = vec4(vert, 0.0, 1.0); }\n\x00"},
		{gl.FRAGMENT_SHADER, "#version 110\nuniform vec4 color;\nvoid main() { gl_FragColor = color; }\n\x00"},
	} {
		shader := gl.CreateShader(s.kind)
		src, free := gl.Strs(s.src)
		gl.ShaderSource(shader, 1, src, nil)
		free()
		gl.CompileShader(shader)
		gl.AttachShader(program, shader)
		gl.DeleteShader(shader)
	}
	gl.LinkProgram(program)
	gl.DeleteProgram(program)
}

// startupTrace writes, when LATCHKEY_TRACE_STARTUP is set, the time since
// the process started each step of the window process's start, to
// stderr (the session's log), to find where the time to the window goes.
// It writes nothing of the accounts or of the tray's messages.
type startupTrace struct {
	start time.Time
	on    bool
}

func newStartupTrace() *startupTrace {
	return &startupTrace{start: time.Now(), on: os.Getenv("LATCHKEY_TRACE_STARTUP") != ""}
}

// mark notes that step is done.
func (t *startupTrace) mark(step string) {
	if t.on {
		fmt.Fprintf(os.Stderr, "latchkey-tray: startup: %4d ms %s\n", time.Since(t.start).Milliseconds(), step)
	}
}

// input wraps the tray's pipe so that the arrival of each message is
// traced.
func (t *startupTrace) input(in io.Reader) io.Reader {
	if !t.on {
		return in
	}
	r, w := io.Pipe()
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 4096), 1<<20)
		for sc.Scan() {
			t.mark("message from the tray")
			if _, err := w.Write(append(sc.Bytes(), '\n')); err != nil {
				return
			}
		}
		w.CloseWithError(sc.Err())
	}()
	return r
}
