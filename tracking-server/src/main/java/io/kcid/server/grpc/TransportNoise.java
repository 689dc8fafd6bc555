package io.kcid.server.grpc;

import java.util.Locale;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * gRPC's own logging (java.util.logging) routed to SLF4J, with a connection that never spoke gRPC
 * logged as one line. A load-balancer probe in plaintext against the TLS port, an HTTP/1 request or
 * a port scanner makes grpc-java log "Transport failed" with a twenty-line stack trace; that is a
 * client's mistake, not the server's, so it becomes one INFO line saying what arrived. Any other
 * transport failure keeps its stack trace.
 */
public final class TransportNoise {
  /** grpc-java's per-connection logger (NettyServerTransport's "connections" logger). */
  static final String CONNECTION_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";

  private static final org.slf4j.Logger log = LoggerFactory.getLogger(TransportNoise.class);
  /** Held here: java.util.logging keeps loggers weakly, and a collected one would lose the filter. */
  private static final Logger CONNECTIONS = Logger.getLogger(CONNECTION_LOGGER);

  private TransportNoise() {}

  /** Routes java.util.logging to SLF4J (once per JVM) and shortens client protocol errors. */
  public static synchronized void install() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    CONNECTIONS.setFilter(new OneLine());
  }

  /**
   * What a connection sent instead of gRPC, when {@code failure} says so; null for a real error.
   * Netty is shaded inside grpc-netty-shaded, so exceptions are recognised by simple class name.
   */
  static String clientMistake(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String type = t.getClass().getSimpleName();
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (type.equals("NotSslRecordException")) {
        return "not a TLS record on the TLS port (a plaintext client or probe?)";
      }
      if (type.equals("Http2Exception")) {
        if (message.startsWith("Unexpected HTTP/1.x request")) {
          return "an HTTP/1.x request on the gRPC port (" + message.substring("Unexpected ".length()).trim() + ")";
        }
        if (message.contains("preface")) {
          boolean tls = message.toLowerCase(Locale.ROOT).contains("received bytes: 1603");
          return tls
              ? "a TLS handshake on the plaintext gRPC port (a client with TLS on?)"
              : "no HTTP/2 client preface: not a gRPC client (" + abbreviate(message) + ")";
        }
      }
      if (type.equals("SSLHandshakeException")) {
        return "TLS handshake failed: " + abbreviate(message);
      }
    }
    return null;
  }

  private static String abbreviate(String message) {
    return message.length() <= 160 ? message : message.substring(0, 160) + "…";
  }

  /** Logs a client's mistake as one line and drops the record; lets anything else through. */
  private static final class OneLine implements Filter {
    @Override
    public boolean isLoggable(LogRecord record) {
      String mistake = record.getThrown() == null ? null : clientMistake(record.getThrown());
      if (mistake == null) {
        return true;
      }
      log.info("gRPC connection closed: {}", mistake);
      return false;
    }
  }
}
