package io.kcid.edge.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One raw TCP connection to an edge: write bytes when the test says so, read whole HTTP responses. */
public final class RawConnection implements AutoCloseable {
  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(5000);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** A connection from 127.0.0.1. */
  public static RawConnection open(int port) {
    return open("127.0.0.1", port);
  }

  /** A connection from this local loopback address (127.0.0.x: Linux answers on all of 127/8). */
  public static RawConnection open(String localAddress, int port) {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return new RawConnection(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the text (ISO-8859-1); false when the edge has already closed or reset the connection. */
  public boolean send(String text) {
    try {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes the pieces one by one with a pause before each but the first, as a slow client does;
   * stops early once the edge has answered (or closed). Returns how many pieces were written.
   */
  public int trickle(Iterable<String> pieces, long pauseMillis) {
    int sent = 0;
    for (String piece : pieces) {
      if (sent > 0) {
        sleep(pauseMillis);
      }
      if (answered() || !send(piece)) {
        return sent;
      }
      sent++;
    }
    return sent;
  }

  /** Whether the edge has sent something (or closed) already, without blocking. */
  public boolean answered() {
    try {
      return in.available() > 0 || socket.isInputShutdown();
    } catch (IOException e) {
      return true;
    }
  }

  /** One response: its head and its Content-Length body. Throws when none arrives within 5 s. */
  public String readResponse() {
    try {
      StringBuilder head = new StringBuilder();
      while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed after " + head.length() + " bytes: " + head);
        }
        head.append((char) b);
      }
      String text = head.toString();
      Matcher length = CONTENT_LENGTH.matcher(text);
      int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
      if (text.toLowerCase(Locale.ROOT).startsWith("http/1.1 1")) {
        return text; // an interim answer has no body
      }
      byte[] body = in.readNBytes(bodyLength);
      return text + new String(body, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the edge closed the connection: end of stream (or a reset) within 5 s. */
  public boolean closedByEdge() {
    try {
      return in.read() < 0;
    } catch (SocketException e) {
      return true; // reset: closed too
    } catch (IOException e) {
      return false; // still open after the read timeout
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
