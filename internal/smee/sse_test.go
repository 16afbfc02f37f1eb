package smee

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestParser(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []event
	}{
		{"one message", "data: hello\n\n", []event{{typ: "message", data: "hello"}}},
		{"named event and id", "event: ready\nid: 7\ndata: {}\n\n", []event{{typ: "ready", data: "{}", id: "7", idSet: true}}},
		{"data lines join with a newline", "data: a\ndata: b\n\n", []event{{typ: "message", data: "a\nb"}}},
		{"CRLF and CR line ends", "data: a\r\ndata: b\r\rdata: c\r\r", []event{{typ: "message", data: "a\nb"}, {typ: "message", data: "c"}}},
		{"comments are keep-alives", ": ping\n\n:\ndata: x\n\n", []event{{typ: "message", data: "x"}}},
		{"only one space after the colon goes", "data:  two\ndata:none\n\n", []event{{typ: "message", data: " two\nnone"}}},
		{"unknown fields are ignored", "foo: bar\ndata: x\n\n", []event{{typ: "message", data: "x"}}},
		{"retry in milliseconds", "retry: 1500\n\ndata: x\n\n", []event{{retry: 1500 * time.Millisecond}, {typ: "message", data: "x"}}},
		{"a bad retry is ignored", "retry: soon\ndata: x\n\n", []event{{typ: "message", data: "x"}}},
		{"an id with NUL is ignored", "id: a\x00b\ndata: x\n\n", []event{{typ: "message", data: "x"}}},
		{"an empty id resets", "id\ndata: x\n\n", []event{{typ: "message", data: "x", idSet: true}}},
		{"an event cut off by the end is dropped", "data: whole\n\ndata: cut", []event{{typ: "message", data: "whole"}}},
		{"an event with no blank line is dropped", "data: cut\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per read: line ends split across reads must not
			// make extra lines.
			p := newParser(iotest.OneByteReader(strings.NewReader(tt.stream)))
			var got []event
			for {
				ev, err := p.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ev)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %+v, want %+v", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParserTooLong(t *testing.T) {
	p := newParser(strings.NewReader("data: " + strings.Repeat("x", maxEventBytes+1) + "\n\n"))
	if _, err := p.next(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("a line over the limit: %v, want an error", err)
	}
}
