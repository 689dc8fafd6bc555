package io.kcid.edge.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * {@link HttpObjectAggregator} whose 413 is the edge's own JSON answer instead of Netty's empty one:
 * the oversized request is handed to the dispatcher as an {@link OversizedRequest}.
 */
final class BoundedAggregator extends HttpObjectAggregator {

  BoundedAggregator(int maxContentLength) {
    super(maxContentLength);
  }

  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    // Too large with "Expect: 100-continue": no 100, and no Netty-made 413 either; handleOversizedMessage answers.
    if (HttpUtil.is100ContinueExpected(start) && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
      return null;
    }
    // An expectation other than 100-continue: Netty would write a bare 417 itself, out of order with
    // pipelined answers and ignoring "Connection: close". RFC 9110 lets a server ignore it: the
    // request is served (and answered by the dispatcher) as if it had no Expect.
    for (String expect : start.headers().getAll(HttpHeaderNames.EXPECT)) {
      if (!expect.strip().equalsIgnoreCase("100-continue")) {
        return null;
      }
    }
    return super.newContinueResponse(start, maxContentLength, pipeline);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (!(oversized instanceof HttpRequest request)) {
      ctx.close();
      return;
    }
    // Keep a keep-alive connection: the aggregator skips the rest of the body and the next request
    // can follow. Close when the client asked to, or when the whole body is already in hand.
    boolean close = oversized instanceof FullHttpMessage || !HttpUtil.isKeepAlive(oversized);
    ctx.fireChannelRead(new OversizedRequest(request.uri(), close));
  }
}
