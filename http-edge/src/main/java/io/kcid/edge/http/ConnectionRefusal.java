package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline of a connection over a cap: answers at once, without waiting for a request, with
 * the edge's JSON error (429 RATE_LIMITED for an address over its share, 503 TOO_MANY_CONNECTIONS
 * when the listener is full, both with {@code Retry-After}) and closes. It half-closes first and
 * drops what the client sends for up to a second, so the client reads the answer instead of a reset.
 */
final class ConnectionRefusal extends ChannelInboundHandlerAdapter {
  private static final long LINGER_MILLIS = 1000;

  private final EdgeResponse response;

  ConnectionRefusal(Responses responses, ErrorReason reason, String message) {
    this.response = responses.rejected(reason, message);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    FullHttpResponse http =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
    for (Map.Entry<String, String> header : response.headers().entrySet()) {
      http.headers().set(header.getKey(), header.getValue());
    }
    http.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
        .set(HttpHeaderNames.CONTENT_LENGTH, response.body().length)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
        .set("X-Content-Type-Options", "nosniff")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(http).addListener(written -> {
      if (ctx.channel() instanceof SocketChannel socket && ctx.pipeline().get("tls") == null && written.isSuccess()) {
        socket.shutdownOutput();
      }
      ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    });
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      ctx.close(); // the client has read the answer and closed its side
    }
    ReferenceCountUtil.release(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
