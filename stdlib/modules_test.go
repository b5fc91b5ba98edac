package stdlib_test

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi"
	"github.com/luatrace/luatrace/stdlib"
	"github.com/luatrace/luatrace/test/testenv"
)

var testLine = regexp.MustCompile(`test\.lua:\d+:`)

// evalCase is a Lua expression and the text print() gives for it.
type evalCase struct{ expr, want string }

// evalAll runs each expression in one luatrace runtime (after setup) and
// compares what print() writes for it.
func evalAll(t *testing.T, setup string, cases []evalCase) {
	t.Helper()
	var code strings.Builder
	code.WriteString(setup + "\n")
	for _, c := range cases {
		fmt.Fprintf(&code, "do local ok, v = pcall(function() return %s end); print(ok and tostring(v) or ('error: ' .. tostring(v))); print('\\0') end\n", c.expr)
	}
	var out, errb bytes.Buffer
	status, err := luaapi.New(luaapi.Options{Out: &out, Stderr: &errb}).RunScript("test.lua", code.String())
	if err != nil || status != 0 {
		t.Fatalf("status %d, %v\n%s", status, err, errb.String())
	}
	got := strings.Split(out.String(), "\x00\n")
	for i, c := range cases {
		if i >= len(got) {
			t.Fatalf("only %d results for %d cases:\n%s", len(got), len(cases), out.String())
		}
		// Errors must point at the caller's line (any line of test.lua), not
		// into the library.
		g := testLine.ReplaceAllString(strings.TrimSuffix(got[i], "\n"), "test.lua:")
		if g != c.want {
			t.Errorf("%s = %q, want %q", c.expr, g, c.want)
		}
	}
}

func TestFmt(t *testing.T) {
	evalAll(t, `fmt = require("fmt")`, []evalCase{
		{`fmt.size(0)`, "0"},
		{`fmt.size(512)`, "512"},
		{`fmt.size(1023)`, "1023"},
		{`fmt.size(1024)`, "1.0K"},
		{`fmt.size(1536)`, "1.5K"},
		{`fmt.size(2 * 1024 * 1024)`, "2.0M"},
		{`fmt.size(1048575)`, "1.0M"}, // not "1024.0K"
		{`fmt.size(3 * 2^40)`, "3.0T"},
		{`fmt.size(-2048)`, "-2.0K"},
		{`fmt.duration(0)`, "0ns"},
		{`fmt.duration(850)`, "850ns"},
		{`fmt.duration(1500)`, "1.5us"},
		{`fmt.duration(1234567)`, "1.2ms"},
		{`fmt.duration(2.5e9)`, "2.5s"},
		{`fmt.duration(90e9)`, "1m30s"},
		{`fmt.duration(7260e9)`, "2h1m"},
		{`fmt.bar(5, 10, 20)`, "@@@@@@@@@@"},
		{`fmt.bar(0, 10)`, ""},
		{`fmt.bar(10, 10, 4)`, "@@@@"},
		{`fmt.table({{"bash", 12}, {"sshd", 3}}, {header = {"COMM", "COUNT"}})`, "COMM  COUNT\nbash     12\nsshd      3\n"},
		{`fmt.table({{1, "a"}, {100, "bcd"}})`, "  1  a\n100  bcd\n"},
		{`fmt.table({{"x", "y"}}, {align = {"r", "l"}, header = {"LONG", "Z"}})`, "LONG  Z\n   x  y\n"},
		{`fmt.table({{"µs", 1}, {"ab", 22}})`, "µs   1\nab  22\n"},
		{`fmt.barchart({read = 100, write = 50, open = 0}, {width = 10})`,
			"read   100  |@@@@@@@@@@|\nwrite   50  |@@@@@     |\nopen     0  |          |\n"},
		{`fmt.barchart({a = 2048, b = 1024}, {width = 2, top = 1, format = fmt.size})`, "a  2.0K  |@@|\n"},
	})
}

func TestErrno(t *testing.T) {
	evalAll(t, `errno = require("errno")`, []evalCase{
		{`errno.name(2)`, "ENOENT"},
		{`errno.name(-13)`, "EACCES"},
		{`errno.name(0)`, "nil"},
		{`errno.name(99999)`, "nil"},
		{`errno.number("EPERM")`, "1"},
		{`errno.number("EWOULDBLOCK")`, strconv.Itoa(int(unix.EAGAIN))},
		{`errno.number("ENOPE")`, "nil"},
		{`errno.strerror(2)`, "No such file or directory"},
		{`errno.strerror(-110)`, "Connection timed out"},
		{`errno.strerror(4242)`, "unknown error 4242"},
		{`errno.describe(-2)`, "ENOENT (No such file or directory)"},
		{`errno.describe(5)`, "5"},
		{`errno.name(` + strconv.Itoa(int(unix.ENOTRECOVERABLE)) + `)`, "ENOTRECOVERABLE"},
	})
}

func TestSignals(t *testing.T) {
	evalAll(t, `signals = require("signals")`, []evalCase{
		{`signals.name(9)`, "SIGKILL"},
		{`signals.name(15)`, "SIGTERM"},
		{`signals.name(` + strconv.Itoa(int(unix.SIGCHLD)) + `)`, "SIGCHLD"},
		{`signals.name(0)`, "0"},
		{`signals.name(36)`, "SIGRTMIN+2"},
		{`signals.name(65)`, "nil"},
		{`signals.number("KILL")`, "9"},
		{`signals.number("sigterm")`, "15"},
		{`signals.number("SIGRTMIN")`, "34"},
		{`signals.number("SIGNOPE")`, "nil"},
	})
}

func TestFlags(t *testing.T) {
	evalAll(t, `flags = require("flags")`, []evalCase{
		{`flags.open(0x241)`, "O_WRONLY|O_CREAT|O_TRUNC"},
		{`flags.open(0)`, "O_RDONLY"},
		{`flags.open(2)`, "O_RDWR"},
		{fmt.Sprintf(`flags.open(%d)`, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_DIRECTORY|unix.O_NONBLOCK), "O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC"},
		{fmt.Sprintf(`flags.open(%d)`, unix.O_RDWR|unix.O_TMPFILE), "O_RDWR|O_TMPFILE"}, // not O_DIRECTORY
		{fmt.Sprintf(`flags.open(%d)`, unix.O_WRONLY|unix.O_SYNC), "O_WRONLY|O_SYNC"},   // not O_DSYNC
		{fmt.Sprintf(`flags.open(%d)`, unix.O_WRONLY|unix.O_DSYNC), "O_WRONLY|O_DSYNC"},
		{`flags.open(0x80000000)`, "O_RDONLY|0x80000000"},
		{`flags.prot(0)`, "PROT_NONE"},
		{`flags.prot(5)`, "PROT_READ|PROT_EXEC"},
		{fmt.Sprintf(`flags.mmap(%d)`, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS), "MAP_PRIVATE|MAP_ANONYMOUS"},
		{fmt.Sprintf(`flags.mmap(%d)`, unix.MAP_SHARED_VALIDATE|unix.MAP_SYNC), "MAP_SHARED_VALIDATE|MAP_SYNC"},
		{`flags.clone(0x1200011)`, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
		{fmt.Sprintf(`flags.clone(%d)`, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_THREAD|unix.CLONE_SYSVSEM|unix.CLONE_SETTLS|unix.CLONE_PARENT_SETTID|unix.CLONE_CHILD_CLEARTID),
			"CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"},
		{`flags.clone(0)`, ""},
		{`flags.value("O_CREAT")`, strconv.Itoa(unix.O_CREAT)},
		{`flags.value("O_RDONLY")`, "0"},
		{`flags.value("MAP_FIXED")`, strconv.Itoa(unix.MAP_FIXED)},
		{`flags.open("0x241")`, "O_WRONLY|O_CREAT|O_TRUNC"},
		{`flags.open({})`, "error: test.lua: flags.open expects a number (or a \"0x...\" string), got table"},
	})
}

func TestJSON(t *testing.T) {
	evalAll(t, `json = require("json")`, []evalCase{
		{`json.encode({pid = 42, argv = {"ls", "-l"}})`, `{"argv":["ls","-l"],"pid":42}`},
		{`json.encode({b = 1, a = 2, c = {z = true, y = false}})`, `{"a":2,"b":1,"c":{"y":false,"z":true}}`},
		{`json.encode({})`, `{}`},
		{`json.encode(json.array)`, `[]`},
		{`json.encode({1, 2, nil, 4})`, `{"1":1,"2":2,"4":4}`},
		{`json.encode({[1] = "a", x = 1})`, `{"1":"a","x":1}`},
		{`json.encode("a\"b\\\n\t\1")`, `"a\"b\\\n\t\u0001"`},
		{`json.encode(1.5)`, `1.5`},
		{`json.encode(0.1)`, `0.1`},
		{`json.encode(1/3)`, `0.33333333333333331`},
		{`json.encode(2^53)`, `9007199254740992`},
		{`json.encode(-7)`, `-7`},
		{`json.encode(nil)`, `null`},
		{`json.encode(json.null)`, `null`},
		{`json.encode(0/0)`, "error: json.encode: NaN has no JSON form"},
		{`(function() local t = {}; t.t = t; return json.encode(t) end)()`, "error: json.encode: a table contains itself"},
		{`json.decode('{"a": [1, 2.5, null, true]}').a[2]`, "2.5"},
		{`json.decode('[1, null, 3]')[2] == json.null`, "true"},
		{`json.decode(' "x\\u00e9\\ud83d\\ude00\\n" ')`, "xé😀\n"},
		{`json.decode('-3e2')`, "-300"},
		{`json.decode('1E-2')`, "0.01"},
		{`json.encode(json.decode('{"b":[],"a":{},"c":[{"d":"e"}]}'))`, `{"a":{},"b":[],"c":[{"d":"e"}]}`},
		{`json.decode('[1,')`, "error: json.decode: unexpected end of text at byte 4"},
		{`json.decode('{} x')`, "error: json.decode: text after the value at byte 4"},
		{`json.decode('{"a" 1}')`, "error: json.decode: expected ':' at byte 6"},
		{`json.decode('"\\q"')`, "error: json.decode: bad escape \\q at byte 2"},
		{`json.decode(5)`, "error: test.lua: json.decode expects a string, got number"},
		{`json.decode('tru')`, "error: json.decode: unexpected 't' at byte 1"},
	})
}

func TestTime(t *testing.T) {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	mono := ts.Nano()
	// A timestamp an hour and a bit ago, as an event would carry.
	past := mono - int64(time.Hour+1500*time.Millisecond)
	wall := time.Now().Add(-(time.Hour + 1500*time.Millisecond))
	evalAll(t, `time = require("time")`, []evalCase{
		{fmt.Sprintf(`time.now() >= %d`, mono), "true"},
		{fmt.Sprintf(`time.now() - %d < 60e9`, mono), "true"},
		{fmt.Sprintf(`math.abs(time.wall() - %d) < 60`, time.Now().Unix()), "true"},
		{fmt.Sprintf(`math.abs(time.to_wall(%d) - %d) < 60`, past, wall.Unix()), "true"},
		{fmt.Sprintf(`time.strftime("%%Y-%%m-%%d %%H", %d)`, past), wall.Format("2006-01-02 15")},
		{fmt.Sprintf(`strftime("%%Y-%%m-%%d %%H", %d)`, past), wall.Format("2006-01-02 15")},
		{`#time.strftime("%H:%M:%S.%f")`, "15"},
		{fmt.Sprintf(`math.floor(time.seconds(%d, %d))`, past, mono), "3601"},
		{`time.strftime("%Q")`, "error: test.lua: bad argument #1 to strftime (strftime format \"%Q\": unknown conversion %Q)"},
		{`strftime("%H", "x")`, "error: test.lua: bad argument #2 to strftime (timestamp in nanoseconds expected, such as e.ts)"},
	})
}

func TestProc(t *testing.T) {
	self := os.Getpid()
	exe, _ := os.Executable()
	comm, _ := os.ReadFile("/proc/self/comm")
	cgroup, _ := os.ReadFile("/proc/self/cgroup")
	cg := strings.TrimSpace(string(cgroup))
	if i := strings.Index(cg, "0::"); i >= 0 {
		cg = strings.SplitN(cg[i+3:], "\n", 2)[0]
	}
	gone := deadPID(t)
	evalAll(t, `proc = require("proc")`, []evalCase{
		{fmt.Sprintf(`proc.comm(%d)`, self), strings.TrimSpace(string(comm))},
		{fmt.Sprintf(`proc.exe(%d)`, self), exe},
		{fmt.Sprintf(`proc.ppid(%d)`, self), strconv.Itoa(os.Getppid())},
		{fmt.Sprintf(`proc.argv(%d)[1]`, self), os.Args[0]},
		{fmt.Sprintf(`#proc.argv(%d)`, self), strconv.Itoa(len(os.Args))},
		{fmt.Sprintf(`proc.cmdline(%d)`, self), strings.Join(os.Args, " ")},
		{fmt.Sprintf(`proc.cgroup(%d)`, self), cg},
		{fmt.Sprintf(`proc.exists(%d)`, self), "true"},
		{fmt.Sprintf(`proc.exists(%d)`, gone), "false"},
		{fmt.Sprintf(`select(2, proc.comm(%d))`, gone), fmt.Sprintf("process %d does not exist (it may have exited)", gone)},
		{fmt.Sprintf(`proc.cmdline(%d)`, gone), "nil"},
		{fmt.Sprintf(`select(2, proc.exe(%d))`, gone), fmt.Sprintf("process %d does not exist (it may have exited)", gone)},
		{`#proc.argv(2)`, "0"}, // kthreadd has no command line
	})
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	return p.Pid
}

func TestSym(t *testing.T) {
	testenv.RequireRoot(t) // kallsyms shows addresses to root only
	fn := reflect.ValueOf(deadPID).Pointer()
	self := os.Getpid()
	evalAll(t, `sym = require("sym"); a = kaddr("vfs_read")`, []evalCase{
		{`a:match("^0xffff%x+$") ~= nil`, "true"}, // above 2^53: a "0x..." string
		{`ksym(a)`, "vfs_read"},
		{`ksym(u64.add(a, 3))`, "vfs_read"},
		{`sym.kfmt(u64.add(a, 0x10))`, "vfs_read+0x10"},
		{`select(2, sym.kernel(u64.add(a, 5)))`, "5"},
		{`sym.kaddr("vfs_read") == a`, "true"},
		{`kaddr("no_such_symbol_lt")`, "nil"},
		{`ksym(1)`, "0x1"},
		{fmt.Sprintf(`usym(%d, %d)`, self, fn), "github.com/luatrace/luatrace/stdlib_test.deadPID"},
		{fmt.Sprintf(`sym.ufmt(%d, %d)`, self, fn+1), "github.com/luatrace/luatrace/stdlib_test.deadPID+0x1 [" + mustExe(t) + "]"},
		{fmt.Sprintf(`usym(%d, 8)`, self), "0x8"},
		{`ksym({})`, `error: test.lua: bad argument #1 to ksym (address expected (a number or a "0x..." string), got table)`},
	})
}

func mustExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func TestDocOfEveryModule(t *testing.T) {
	for _, name := range stdlib.Modules() {
		src, _ := stdlib.Source(name)
		doc := stdlib.Doc(name, src)
		if !strings.HasPrefix(doc, name+": ") {
			t.Errorf("module %s: documentation should start with %q:\n%s", name, name+": ", doc)
		}
	}
}
