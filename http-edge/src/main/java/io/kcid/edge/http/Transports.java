package io.kcid.edge.http;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The HTTP side's I/O transport: native epoll on Linux, where it costs less CPU per request than
 * NIO (no selected-key sets, fewer allocations), and NIO wherever the native library is missing.
 */
public final class Transports {
  private static final boolean EPOLL = Epoll.isAvailable();

  private Transports() {}

  /** "epoll" or "nio": what {@link #eventLoops} and {@link #serverChannel} use. */
  public static String name() {
    return EPOLL ? "epoll" : "nio";
  }

  public static EventLoopGroup eventLoops(int threads) {
    IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, io);
  }

  public static Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
