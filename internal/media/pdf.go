package media

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// A PDF keeps its document metadata in two places: the Info dictionary
// named by the trailer (Author, Title, Creator, Producer, dates and any
// custom key an editor adds), and XMP packets in metadata streams (one for
// the document in the catalog, others on pages, images and fonts), which
// can hold the same names and a GPS position.
//
// cleanPDF removes both in place, so that no byte moves and the
// cross-reference table, which gives the offset of every object, stays
// valid without rewriting the file: the Info dictionary of every revision
// becomes an empty dictionary padded with spaces, and the content of every
// stream of type Metadata (or subtype XML) is overwritten with spaces,
// compressed or not. Any XMP packet left elsewhere in plain view is blanked
// too. An Info dictionary that is not a plain object of the file (one
// inside a compressed object stream) cannot be blanked in place, and such
// a file is refused rather than passed through with its metadata; in a
// file without object streams, an Info reference to no object names
// nothing to remove.

var (
	pdfInfoRef  = regexp.MustCompile(`/Info\s*(\d{1,10})\s+(\d{1,5})\s+R`)
	pdfMetadata = regexp.MustCompile(`/(?:Type\s*/Metadata|Subtype\s*/XML)\b`)
)

func malformedPDF(why string) error { return fmt.Errorf("%w: PDF: %s", ErrMalformed, why) }

func cleanPDF(data []byte) ([]byte, error) {
	out := bytes.Clone(data)
	refs := pdfInfoRef.FindAllSubmatch(data, -1)
	if len(refs) == 0 && bytes.Contains(data, []byte("/Info")) {
		return nil, fmt.Errorf("%w: PDF Info dictionary that is not an indirect object", ErrUnsupported)
	}
	// Each step blanks what it finds; none unblanks, so a second pass
	// finds nothing new.
	blankXMPPackets(out)
	for _, loc := range pdfMetadata.FindAllIndex(out, -1) {
		if err := blankPDFStreamAfter(out, loc[1]); err != nil {
			return nil, err
		}
	}
	objStreams := bytes.Contains(data, []byte("/ObjStm"))
	seen := map[string]bool{}
	for _, m := range refs {
		num, _ := strconv.Atoi(string(m[1]))
		gen, _ := strconv.Atoi(string(m[2]))
		key := fmt.Sprint(num, " ", gen)
		if seen[key] {
			continue
		}
		seen[key] = true
		if !blankPDFObjectDict(out, num, gen) && objStreams {
			return nil, fmt.Errorf("%w: PDF Info dictionary %s not found as a plain object", ErrUnsupported, key)
		}
	}
	return out, nil
}

// blankPDFObjectDict blanks the dictionary of every definition of object
// num gen ("num gen obj << ... >>"), keeping "<<" and ">>". It reports
// whether at least one was found.
func blankPDFObjectDict(data []byte, num, gen int) bool {
	re := regexp.MustCompile(fmt.Sprintf(`(?:^|[^0-9])0*%d\s+%d\s+obj\s*<<`, num, gen))
	found := false
	for _, loc := range re.FindAllIndex(data, -1) {
		open := loc[1] // just after "<<"
		end, ok := pdfDictEnd(data, open)
		if !ok {
			continue
		}
		for i := open; i < end; i++ {
			data[i] = ' '
		}
		found = true
	}
	return found
}

// pdfDictEnd returns the offset of the ">>" closing the dictionary whose
// content starts at i, skipping strings and nested dictionaries.
func pdfDictEnd(data []byte, i int) (int, bool) {
	depth := 1
	for i < len(data) {
		switch c := data[i]; {
		case c == '(':
			i = pdfStringEnd(data, i+1)
			continue
		case c == '%':
			for i < len(data) && data[i] != '\n' && data[i] != '\r' {
				i++
			}
			continue
		case c == '<' && i+1 < len(data) && data[i+1] == '<':
			depth++
			i += 2
			continue
		case c == '>' && i+1 < len(data) && data[i+1] == '>':
			depth--
			if depth == 0 {
				return i, true
			}
			i += 2
			continue
		}
		i++
	}
	return 0, false
}

// pdfStringEnd returns the offset just after the literal string whose
// content starts at i (balanced parentheses, backslash escapes).
func pdfStringEnd(data []byte, i int) int {
	depth := 1
	for i < len(data) {
		switch data[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return i
}

// blankPDFStreamAfter blanks the content of the stream whose dictionary
// holds offset i: from after the "stream" keyword's end of line to the
// "endstream" keyword. A dictionary that is not a stream's is left alone.
func blankPDFStreamAfter(data []byte, i int) error {
	// Find the end of the enclosing dictionary: walk forward balancing
	// from an unknown depth, so look for the first "stream" or "endobj".
	s := bytes.Index(data[i:], []byte("stream"))
	e := bytes.Index(data[i:], []byte("endobj"))
	if s < 0 || e >= 0 && e < s {
		return nil // not a stream
	}
	start := i + s + len("stream")
	if start < len(data) && data[start] == '\r' {
		start++
	}
	if start < len(data) && data[start] == '\n' {
		start++
	}
	end := bytes.Index(data[start:], []byte("endstream"))
	if end < 0 {
		return malformedPDF("stream without endstream")
	}
	for j := start; j < start+end; j++ {
		if data[j] != '\r' && data[j] != '\n' {
			data[j] = ' '
		}
	}
	return nil
}

// blankXMPPackets blanks any XMP packet still in plain view, from its
// "<?xpacket begin" to the end of its "<?xpacket end" instruction (or the
// "</x:xmpmeta>" when the trailer instruction is missing).
func blankXMPPackets(data []byte) {
	for _, open := range [...]string{"<?xpacket begin", "<x:xmpmeta"} {
		for {
			i := bytes.Index(data, []byte(open))
			if i < 0 {
				break
			}
			end := len(data)
			for _, stop := range [...]string{"endstream", "endobj"} {
				if j := bytes.Index(data[i:], []byte(stop)); j >= 0 {
					end = min(end, i+j)
				}
			}
			if j := bytes.Index(data[i:end], []byte("<?xpacket end")); j >= 0 {
				if k := bytes.Index(data[i+j:end], []byte("?>")); k >= 0 {
					end = i + j + k + 2
				}
			} else if j := bytes.Index(data[i:end], []byte("</x:xmpmeta>")); j >= 0 {
				end = i + j + len("</x:xmpmeta>")
			}
			for k := i; k < end; k++ {
				if data[k] != '\r' && data[k] != '\n' {
					data[k] = ' '
				}
			}
		}
	}
}
