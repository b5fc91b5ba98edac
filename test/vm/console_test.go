package main

import "testing"

func TestParseConsole(t *testing.T) {
	console := "SeaBIOS\r\n\x1b[2JVMTEST KERNEL 6.1.0-56-cloud-amd64\r\n" +
		"VMTEST BEGIN 01_ok\r\nnoise\r\nVMTEST PASS 01_ok 1s\r\n" +
		"VMTEST BEGIN 02_bad\r\ngot [1], want [2]\r\nVMTEST FAIL 02_bad 3s\r\n" +
		"VMTEST DMESG\r\n[ 1.0] BUG: something\r\nVMTEST DONE\r\n"
	r := parseConsole(console)
	if r.kernel != "6.1.0-56-cloud-amd64" || !r.done || len(r.tests) != 2 || r.failures() != 1 {
		t.Fatalf("report %+v", r)
	}
	if r.tests[0].status != "PASS" || r.tests[1].status != "FAIL" || r.tests[1].output != "got [1], want [2]" || r.tests[1].took != "3s" {
		t.Errorf("tests %+v", r.tests)
	}
	if r.dmesg != "[ 1.0] BUG: something" {
		t.Errorf("dmesg %q", r.dmesg)
	}

	// Exported files, with a kernel message amid the lines.
	r = parseConsole("VMTEST BEGIN 04_rec\r\nVMTEST FILE a.ltrec\r\naGVs\r\n[ 2.0] random: crng init done\r\nbG8=\r\nVMTEST ENDFILE\r\nVMTEST PASS 04_rec 1s\r\nVMTEST DONE\r\n")
	if string(r.files["a.ltrec"]) != "hello" || r.failures() != 0 || !r.done {
		t.Errorf("exported file: %q, report %+v", r.files["a.ltrec"], r)
	}

	// A VM that dies mid-test: the test is lost, with its output, and the
	// run is not done.
	r = parseConsole("VMTEST BEGIN 03_crash\nlast words\nKernel panic")
	if r.done || len(r.tests) != 1 || r.tests[0].status != "LOST" || r.tests[0].output != "last words\nKernel panic" {
		t.Errorf("crashed run %+v", r)
	}
}
