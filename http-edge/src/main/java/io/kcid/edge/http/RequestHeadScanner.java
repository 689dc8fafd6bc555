package io.kcid.edge.http;

import io.netty.util.ByteProcessor;

/**
 * Reads the raw bytes of one request head, before Netty's decoder does, to find what the decoder
 * hides: an obsolete line folding ({@code obs-fold}, RFC 9112 §5.2), a field line that starts with a
 * space or tab. Netty joins such a line to the previous field's value silently; RFC 9112 lets a
 * server reject it, and the edge does (400 MALFORMED_REQUEST): a folded line means different
 * headers to different parsers, the stuff of request smuggling. Stops at the end of the head (the
 * empty line). As the decoder, it skips control characters and spaces before the request line.
 */
final class RequestHeadScanner implements ByteProcessor {
  private enum State { LEADING, REQUEST_LINE, LINE_START, LINE_START_CR, IN_LINE }

  private State state = State.LEADING;
  private boolean obsFold;

  /** Ready for the next head. */
  void reset() {
    state = State.LEADING;
    obsFold = false;
  }

  /** Whether the scan stopped at a folded line (else, when it stopped, at the end of the head). */
  boolean obsFold() {
    return obsFold;
  }

  /** Returns false to stop: at the end of the head or at a folded line. */
  @Override
  public boolean process(byte b) {
    switch (state) {
      case LEADING -> {
        if (!(b >= 0 && b <= ' ') && b != 0x7f) {
          state = State.REQUEST_LINE;
        }
        return true;
      }
      case REQUEST_LINE, IN_LINE -> {
        if (b == '\n') {
          state = State.LINE_START;
        }
        return true;
      }
      case LINE_START -> {
        if (b == ' ' || b == '\t') {
          obsFold = true;
          return false;
        }
        if (b == '\n') {
          return false; // empty line: end of the head
        }
        state = b == '\r' ? State.LINE_START_CR : State.IN_LINE;
        return true;
      }
      case LINE_START_CR -> {
        if (b == '\n') {
          return false;
        }
        state = State.IN_LINE;
        return true;
      }
      default -> throw new IllegalStateException(state.name());
    }
  }
}
