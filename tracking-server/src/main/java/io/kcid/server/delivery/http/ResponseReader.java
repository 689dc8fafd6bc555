package io.kcid.server.delivery.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one HTTP response into a {@link Response}: the status and headers, and at most
 * {@code maxBodyBytes} of the body. It completes as soon as it knows enough (a redirect needs no
 * body; a body over the bound is not read further) and closes the connection then, unless the
 * response was read whole and the receiver keeps the connection open ({@link Response#reusable}):
 * then the sender keeps it for the next attempt (or closes it).
 */
final class ResponseReader extends SimpleChannelInboundHandler<HttpObject> {
  /** What was read of a response. */
  record Response(int status, HttpHeaders headers, byte[] body, boolean truncated, boolean reusable) {}

  /** The connection closed before a byte of the response: a kept connection the receiver had closed. */
  static final class ClosedBeforeResponse extends IOException {
    ClosedBeforeResponse() {
      super("connection closed before a response");
    }
  }

  private final CompletableFuture<Response> result;
  private final int maxBodyBytes;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private HttpResponse head;

  ResponseReader(CompletableFuture<Response> result, int maxBodyBytes) {
    this.result = result;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    if (result.isDone()) {
      return;
    }
    if (msg.decoderResult().isFailure()) {
      fail(ctx, new IOException("malformed HTTP response: " + msg.decoderResult().cause().getMessage()));
      return;
    }
    if (msg instanceof HttpResponse response) {
      head = response;
      if (response.status().code() / 100 == 3) {
        finish(ctx, false, false);
        return;
      }
    }
    if (msg instanceof HttpContent content) {
      ByteBuf bytes = content.content();
      int room = maxBodyBytes - body.size();
      int take = Math.min(room, bytes.readableBytes());
      if (take > 0) {
        byte[] chunk = new byte[take];
        bytes.getBytes(bytes.readerIndex(), chunk);
        body.write(chunk, 0, take);
      }
      if (bytes.readableBytes() > take) {
        finish(ctx, true, false); // over the bound: stop reading, the status already tells the outcome
        return;
      }
      if (msg instanceof LastHttpContent) {
        finish(ctx, false, HttpUtil.isKeepAlive(head));
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (!result.isDone()) {
      if (head != null) {
        // Closed mid-body: the receiver answered; judge by its status.
        finish(ctx, false, false);
      } else {
        result.completeExceptionally(new ClosedBeforeResponse());
      }
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  private void finish(ChannelHandlerContext ctx, boolean truncated, boolean reusable) {
    result.complete(new Response(head.status().code(), head.headers(), body.toByteArray(), truncated, reusable));
    if (!reusable) {
      ctx.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    result.completeExceptionally(cause);
    ctx.close();
  }
}
