package io.kcid.edge.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
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
    return super.newContinueResponse(start, maxContentLength, pipeline);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (!(oversized instanceof HttpRequest request)) {
      ctx.close();
      return;
    }
    // Same rule as Netty's: keep the connection (the aggregator skips the rest of the body) only when
    // the body has not been sent yet or the client wants keep-alive; otherwise close after answering.
    boolean close =
        oversized instanceof FullHttpMessage
            || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
    ctx.fireChannelRead(new OversizedRequest(request.uri(), close));
  }
}
