package tracefs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Field is one field of a tracepoint record, as its format file describes it.
type Field struct {
	Name     string
	Type     string // C type without the name, e.g. "const char *", "char[]"
	Offset   int    // bytes from the start of the record
	Size     int
	Signed   bool
	Common   bool // common_* header fields shared by all tracepoints
	DataLoc  bool // __data_loc: a u32 holding length<<16 | offset of dynamic data
	ArrayLen int  // element count for fixed arrays such as char comm[16]
}

// IsCharType reports whether a C type names a character, so that an
// array of it holds text (char comm[16]) rather than bytes (__u8
// saddr[4]).
func IsCharType(ctype string) bool {
	switch strings.TrimPrefix(strings.TrimSpace(ctype), "const ") {
	case "char", "unsigned char", "signed char":
		return true
	}
	return false
}

// Format is a tracepoint's record layout.
type Format struct {
	Group, Name string
	ID          int
	Fields      []Field
}

// Field returns the field called name.
func (f *Format) Field(name string) (Field, bool) {
	for _, fld := range f.Fields {
		if fld.Name == name {
			return fld, true
		}
	}
	return Field{}, false
}

// ReadFormat reads and parses the format file of ev.
func ReadFormat(dir string, ev Event) (*Format, error) {
	b, err := os.ReadFile(filepath.Join(dir, "events", ev.Group, ev.Name, "format"))
	if err != nil {
		return nil, fmt.Errorf("cannot read the format of tracepoint %s: %v; check that it exists (list them with: ls %s)", ev, pathErr(err), filepath.Join(dir, "events", ev.Group))
	}
	f, err := ParseFormat(string(b))
	if err != nil {
		return nil, fmt.Errorf("tracepoint %s: %w", ev, err)
	}
	f.Group = ev.Group
	return f, nil
}

// ParseFormat parses the text of a tracepoint format file.
func ParseFormat(text string) (*Format, error) {
	f := &Format{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "name:"):
			f.Name = strings.TrimSpace(strings.TrimPrefix(line, "name:"))
		case strings.HasPrefix(line, "ID:"):
			f.ID, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "ID:")))
		case strings.HasPrefix(line, "field:"):
			fld, err := parseField(line)
			if err != nil {
				return nil, err
			}
			f.Fields = append(f.Fields, fld)
		}
	}
	if len(f.Fields) == 0 {
		return nil, fmt.Errorf("format file has no fields")
	}
	return f, nil
}

// parseField parses "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;".
func parseField(line string) (Field, error) {
	var fld Field
	for _, part := range strings.Split(line, ";") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			continue
		}
		var err error
		switch key {
		case "field":
			err = fld.parseDecl(val)
		case "offset":
			fld.Offset, err = strconv.Atoi(val)
		case "size":
			fld.Size, err = strconv.Atoi(val)
		case "signed":
			fld.Signed = val == "1"
		}
		if err != nil {
			return fld, fmt.Errorf("bad format line %q: %v", line, err)
		}
	}
	switch {
	case fld.Name == "":
		return fld, fmt.Errorf("bad format line %q: no field name", line)
	case fld.Offset < 0 || fld.Size < 0 || fld.Offset > maxRecord || fld.Size > maxRecord:
		return fld, fmt.Errorf("bad format line %q: offset and size must be 0..%d", line, maxRecord)
	case fld.ArrayLen > fld.Size:
		return fld, fmt.Errorf("bad format line %q: %d elements in %d bytes", line, fld.ArrayLen, fld.Size)
	}
	return fld, nil
}

// maxRecord bounds offsets and sizes in a format: the kernel's records
// fit in a page or a few.
const maxRecord = 1 << 16

// parseDecl splits a C declaration such as "const char * filename",
// "char comm[16]" or "__data_loc char[] name" into type and name.
func (f *Field) parseDecl(decl string) error {
	decl = strings.TrimSpace(decl)
	if rest, ok := strings.CutPrefix(decl, "__data_loc "); ok {
		f.DataLoc, decl = true, rest
	}
	i := strings.LastIndexAny(decl, " *")
	if i < 0 {
		return fmt.Errorf("declaration %q has no type", decl)
	}
	f.Type, f.Name = strings.TrimSpace(decl[:i+1]), decl[i+1:]
	if open := strings.IndexByte(f.Name, '['); open >= 0 {
		// A flexible or symbolic length leaves ArrayLen 0: the field is
		// then read as raw bytes of its size.
		f.ArrayLen, _ = strconv.Atoi(strings.TrimSuffix(f.Name[open+1:], "]"))
		f.Name = f.Name[:open]
	}
	f.Common = strings.HasPrefix(f.Name, "common_")
	return nil
}

// Text renders the format in the layout of a format file, so that
// ParseFormat reads it back to an equal Format (recordings keep it for
// replays on machines without this tracepoint).
func (f *Format) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nID: %d\nformat:\n", f.Name, f.ID)
	for _, fld := range f.Fields {
		decl := fld.Type + " " + fld.Name
		if fld.DataLoc {
			decl = "__data_loc " + decl
		}
		if fld.ArrayLen > 0 {
			decl += "[" + strconv.Itoa(fld.ArrayLen) + "]"
		}
		signed := 0
		if fld.Signed {
			signed = 1
		}
		fmt.Fprintf(&b, "\tfield:%s;\toffset:%d;\tsize:%d;\tsigned:%d;\n", decl, fld.Offset, fld.Size, signed)
	}
	return b.String()
}
