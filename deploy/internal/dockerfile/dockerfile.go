// Package dockerfile reads deploy/Dockerfile with BuildKit's own parser: its stages, lint
// findings, and the image configuration a stage ends with (for images assembled without a
// builder, as deploy/ociimage does).
package dockerfile

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Parsed is a parsed Dockerfile.
type Parsed struct {
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand // ARGs before the first FROM
	// Findings are the parser's warnings and BuildKit's parse-time lint rules (those
	// `docker build --check` reports), as "line N: rule: message".
	Findings []string
}

// Parse reads and parses the Dockerfile at path.
func Parse(path string) (*Parsed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &Parsed{}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		p.Findings = append(p.Findings, fmt.Sprintf("line %d: parser: %s", line, w.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		p.Findings = append(p.Findings, fmt.Sprintf("line %d: %s: %s", line, rule, msg))
	}})
	p.Stages, p.MetaArgs, err = instructions.Parse(res.AST, lint)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Stage returns the stage called name.
func (p *Parsed) Stage(name string) (*instructions.Stage, error) {
	for i := range p.Stages {
		if p.Stages[i].Name == name {
			return &p.Stages[i], nil
		}
	}
	return nil, fmt.Errorf("no stage %q", name)
}

// Config is the part of an OCI image configuration a stage sets.
type Config struct {
	User       string
	Entrypoint []string
	Cmd        []string
	WorkingDir string
	Env        [][2]string // in order, later settings replacing earlier ones
}

// ConfigOf returns what stage s sets in the image configuration (not what its base image sets;
// the base's CMD, which an ENTRYPOINT would reset, is not known here).
// Shell-form ENTRYPOINT and CMD are returned as sh -c, as a builder would.
func ConfigOf(s *instructions.Stage) Config {
	var c Config
	shell := func(l instructions.ShellDependantCmdLine) []string {
		if l.PrependShell {
			return append([]string{"/bin/sh", "-c"}, l.CmdLine...)
		}
		return l.CmdLine
	}
	for _, cmd := range s.Commands {
		switch cmd := cmd.(type) {
		case *instructions.UserCommand:
			c.User = cmd.User
		case *instructions.EntrypointCommand:
			c.Entrypoint = shell(cmd.ShellDependantCmdLine)
		case *instructions.CmdCommand:
			c.Cmd = shell(cmd.ShellDependantCmdLine)
		case *instructions.WorkdirCommand:
			c.WorkingDir = cmd.Path
		case *instructions.EnvCommand:
			for _, kv := range cmd.Env {
				c.setEnv(kv.Key, kv.Value)
			}
		}
	}
	return c
}

func (c *Config) setEnv(k, v string) {
	for i := range c.Env {
		if c.Env[i][0] == k {
			c.Env[i][1] = v
			return
		}
	}
	c.Env = append(c.Env, [2]string{k, v})
}
