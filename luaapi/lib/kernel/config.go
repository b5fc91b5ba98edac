package kernel

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// kernelConfig implements kernel.config(name): the option's value ("y",
// "m", a number or string) from /proc/config.gz or /boot/config-RELEASE,
// nil when it is not set, and nil plus a message when neither file exists.
func (k *module) kernelConfig(L *lua.LState) int {
	name := L.CheckString(1)
	if !strings.HasPrefix(name, "CONFIG_") {
		name = "CONFIG_" + name
	}
	if k.config == nil {
		cfg, err := readKernelConfig()
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		k.config = cfg
	}
	v, ok := k.config[name]
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(v))
	return 1
}

func readKernelConfig() (map[string]string, error) {
	var r io.Reader
	if f, err := os.Open("/proc/config.gz"); err == nil {
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("read /proc/config.gz: %w", err)
		}
		r = gz
	} else {
		var u unix.Utsname
		unix.Uname(&u)
		path := "/boot/config-" + unix.ByteSliceToString(u.Release[:])
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("no kernel configuration: neither /proc/config.gz (CONFIG_IKCONFIG_PROC) nor %s exists", path)
		}
		defer f.Close()
		r = f
	}
	cfg := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if name, val, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(name, "CONFIG_") {
			cfg[name] = strings.Trim(val, `"`)
		}
	}
	return cfg, sc.Err()
}
