package kcid

import (
	"context"
	"errors"
	"io"

	"github.com/kcid/kcid/clients/go/kcidpb"
)

// StreamConversions follows the conversion event stream (ConversionService.StreamConversions):
// it calls handle for every event, in order per partition, until ctx is done, handle returns
// an error, or the server ends the stream. It returns the cursor after the last event handled
// (or passed over: messages that only move the cursor count too): pass it as req.Cursor to
// resume where this call stopped, nothing within the stream's retention missed. With
// req.ConsumerGroup the group keeps the position instead (the cursor stays empty);
// acknowledge handled events with Conversions.AckConversionEvents.
//
// The error is handle's, or an [*Error]: UNAVAILABLE when the server ended the stream (store
// trouble, shutdown: reconnect and resume), STREAM_CURSOR_EXPIRED when events after the
// cursor were trimmed, or CANCELED / DEADLINE_EXCEEDED from ctx. A stream has no default
// deadline: it runs until ctx ends.
func (c *Client) StreamConversions(ctx context.Context, req *kcidpb.StreamConversionsRequest,
	handle func(*kcidpb.ConversionEvent) error) (cursor string, err error) {
	cursor = req.GetCursor()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the call when handle fails
	stream, err := c.Conversions.StreamConversions(ctx, req)
	if err != nil {
		return cursor, err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return cursor, nil
		}
		if err != nil {
			return cursor, err
		}
		if ev := msg.GetEvent(); ev != nil {
			if err := handle(ev); err != nil {
				return cursor, err
			}
		}
		if msg.GetCursor() != "" {
			cursor = msg.GetCursor()
		}
	}
}
