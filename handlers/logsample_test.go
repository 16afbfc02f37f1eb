package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRejectionSampler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newRejectionSampler(func() time.Time { return now })
	ctx := context.Background()
	logged := 0
	for range 100 {
		if s.allow(ctx, logger, "bad_signature") {
			logged++
		}
	}
	if !s.allow(ctx, logger, "too_large") {
		t.Error("the first rejection of another kind was not logged")
	}
	if logged != 1 {
		t.Errorf("%d of 100 rejections logged in one window, want 1", logged)
	}
	now = now.Add(rejectionWindow)
	if !s.allow(ctx, logger, "bad_signature") {
		t.Error("the first rejection of the next window was not logged")
	}
	if !strings.Contains(buf.String(), "bad_signature=99") {
		t.Errorf("no count of the left-out rejections:\n%s", buf.String())
	}
}
