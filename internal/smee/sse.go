package smee

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
)

// event is one dispatched Server-Sent Event.
type event struct {
	typ   string // "message" unless an `event:` field says otherwise
	data  string // the `data:` lines joined with "\n"
	id    string
	idSet bool // an `id:` field was present (an empty one resets the ID)
	retry time.Duration
}

// parser reads events from a text/event-stream body, following the
// WHATWG specification's "interpret the stream" steps: lines end in CRLF,
// LF or CR; a blank line dispatches; a line starting with ":" is a comment
// (smee.io's keep-alives); "field: value" loses one space after the colon;
// unknown fields are ignored.
type parser struct {
	sc *bufio.Scanner
}

func newParser(r io.Reader) *parser {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventBytes)
	sc.Split(scanLines)
	return &parser{sc: sc}
}

// next returns the next event with data or a retry, or the stream's error
// (io.EOF when it ended; an event cut off by the end is dropped, as the
// specification says).
func (p *parser) next() (event, error) {
	var ev event
	var data strings.Builder
	hasData := false
	for p.sc.Scan() {
		line := p.sc.Text()
		if line == "" {
			if !hasData {
				// Nothing to dispatch, but an id or retry still counts.
				if ev.idSet || ev.retry > 0 {
					return ev, nil
				}
				ev = event{}
				continue
			}
			ev.data = strings.TrimSuffix(data.String(), "\n")
			if ev.typ == "" {
				ev.typ = "message"
			}
			return ev, nil
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.typ = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				ev.id, ev.idSet = value, true
			}
		case "retry":
			if ms, err := strconv.ParseUint(value, 10, 31); err == nil && ms > 0 {
				ev.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := p.sc.Err(); err != nil {
		return event{}, err
	}
	return event{}, io.EOF
}

// scanLines splits at CRLF, LF or CR. A CR at the end of the buffer waits
// for the next byte unless the stream ended, so a CRLF split across two
// reads is one line end, not two.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil
	}
	if atEOF && len(data) > 0 {
		// A last line with no end is not a complete line: drop it.
		return len(data), nil, nil
	}
	return 0, nil, nil
}
