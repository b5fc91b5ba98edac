// Package modpath computes where require() looks for Lua modules:
//
//	-I DIR (in the order given), $LUATRACE_PATH (colon-separated),
//	$XDG_CONFIG_HOME/luatrace/lib (default ~/.config/luatrace/lib),
//	/usr/local/share/luatrace/lib, then the standard library embedded in
//	the binary, then the script's own folder: a file next to a script
//	never shadows a standard module.
//
// Folders others could plant modules in are not searched (see Unsafe).
//
// Each folder may hold per-kernel subfolders, searched before the folder
// itself, most specific first as SystemTap searches tapsets: the full
// kernel release (6.18.0-foo), the release without its local suffix
// (6.18.0), major.minor (6.18), then the machine architecture (x86_64).
package modpath

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// SystemDir is the folder for libraries installed for every user.
const SystemDir = "/usr/local/share/luatrace/lib"

// EnvVar names the colon-separated list of extra library folders.
const EnvVar = "LUATRACE_PATH"

// Dir is one folder of the search path.
type Dir struct {
	Path string
	// Origin says why the folder is searched: "-I", "$LUATRACE_PATH", ...
	Origin string
	// AfterStdlib: searched only for modules the standard library lacks.
	AfterStdlib bool
	// Unsafe says why the folder is not searched; "" when it is.
	Unsafe string
}

// Config is what the search path is computed from.
type Config struct {
	Include   []string // -I folders, in order
	EnvPath   string   // $LUATRACE_PATH
	ConfigDir string   // $XDG_CONFIG_HOME or ~/.config; "" for none
	ScriptDir string   // folder of the script file; "" for -e and the REPL
	Release   string   // kernel release, as uname -r
	Machine   string   // architecture, as uname -m
	// Trusted are the users besides root whose folders are searched;
	// ScriptOwner is trusted for the script's folder too.
	Trusted     []uint32
	ScriptOwner *uint32
}

// FromEnvironment fills a Config from the process environment and the
// running kernel; script is the script file, "" for -e code, the REPL and
// embedded tools.
func FromEnvironment(include []string, script string) Config {
	c := Config{Include: include, EnvPath: os.Getenv(EnvVar), Trusted: Trusted()}
	if script != "" {
		c.ScriptDir = filepath.Dir(script)
		if st, ok := statOwner(script); ok {
			c.ScriptOwner = &st.uid
		}
	}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		c.ConfigDir = x
	} else if home, err := os.UserHomeDir(); err == nil {
		c.ConfigDir = filepath.Join(home, ".config")
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		c.Release = unix.ByteSliceToString(u.Release[:])
		c.Machine = unix.ByteSliceToString(u.Machine[:])
	}
	return c
}

// Bases are the folders in precedence order, before per-kernel expansion.
func (c Config) Bases() []Dir {
	var dirs []Dir
	for _, d := range c.Include {
		dirs = append(dirs, Dir{Path: d, Origin: "-I"})
	}
	for _, d := range strings.Split(c.EnvPath, ":") {
		if d != "" {
			dirs = append(dirs, Dir{Path: d, Origin: "$" + EnvVar})
		}
	}
	if c.ConfigDir != "" {
		dirs = append(dirs, Dir{Path: filepath.Join(c.ConfigDir, "luatrace", "lib"), Origin: "user"})
	}
	dirs = append(dirs, Dir{Path: SystemDir, Origin: "system"})
	if c.ScriptDir != "" {
		dirs = append(dirs, Dir{Path: c.ScriptDir, Origin: "script"})
	}
	return dirs
}

// Dirs is the full search order: each base preceded by its per-kernel
// subfolders. Duplicates (a script inside an -I folder) are kept once, at
// their first place. Folders others could plant modules in are marked
// Unsafe.
func (c Config) Dirs() []Dir {
	var dirs []Dir
	seen := map[string]bool{}
	for _, b := range c.Bases() {
		trusted := c.Trusted
		after := b.Origin == "script"
		if after && c.ScriptOwner != nil {
			trusted = append(slices.Clone(trusted), *c.ScriptOwner)
		}
		for _, sub := range c.kernelSubdirs() {
			p := filepath.Clean(filepath.Join(b.Path, sub))
			if !seen[p] {
				seen[p] = true
				dirs = append(dirs, Dir{Path: p, Origin: b.Origin, AfterStdlib: after, Unsafe: Unsafe(p, trusted)})
			}
		}
	}
	return dirs
}

// kernelSubdirs are the per-kernel subfolder names, most specific first,
// ending with "" for the folder itself.
func (c Config) kernelSubdirs() []string {
	var subs []string
	add := func(s string) {
		if s != "" && !strings.Contains(s, "/") && (len(subs) == 0 || subs[len(subs)-1] != s) {
			subs = append(subs, s)
		}
	}
	add(c.Release)
	version, _, _ := strings.Cut(c.Release, "-")
	add(version)
	if parts := strings.SplitN(version, ".", 3); len(parts) >= 2 {
		add(parts[0] + "." + parts[1])
	}
	add(c.Machine)
	return append(subs, "")
}

// Search returns the file that holds module name ("a.b" is a/b.lua or
// a/b/init.lua) in the first folder that has it, among the folders
// searched before the standard library (afterStdlib false) or after it.
// refused are the sentences for module files it found but would not load,
// in unsafe folders or writable by others.
func Search(dirs []Dir, name string, afterStdlib bool) (path string, refused []string) {
	rel := strings.ReplaceAll(name, ".", string(filepath.Separator))
	for _, d := range dirs {
		if d.AfterStdlib != afterStdlib {
			continue
		}
		for _, cand := range []string{rel + ".lua", filepath.Join(rel, "init.lua")} {
			p := filepath.Join(d.Path, cand)
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			why := d.Unsafe
			if why == "" {
				why = UnsafeFile(p)
			}
			if why != "" {
				refused = append(refused, fmt.Sprintf("%s was not loaded: %s", p, why))
				continue
			}
			return p, refused
		}
	}
	return "", refused
}

// ValidName reports whether name can be a module name: dotted Lua-like
// identifiers, so that it cannot climb out of a folder ("../x", "/etc/x").
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for _, part := range strings.Split(name, ".") {
		if part == "" {
			return false
		}
		for _, ch := range part {
			if !(ch == '_' || ch == '-' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
				return false
			}
		}
	}
	return true
}
