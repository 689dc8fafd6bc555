package io.kcid.bench.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * nginx answering every request with {@code 302 https://example.com/}: the floor of an HTTP redirect
 * on this machine, the edge's baseline. Its own configuration and files under the bench's work
 * directory; {@code worker_processes auto} (one per core), access log off.
 */
public final class Nginx implements AutoCloseable {
  private final ChildProcess process;
  private final int port;

  private Nginx(ChildProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  public static Nginx start(Path workDir) {
    String binary = Tools.require("nginx", "nginx-light");
    Path dir = workDir.resolve("nginx");
    int port = FreePorts.pick();
    try {
      Files.createDirectories(dir.resolve("logs"));
      Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
          "daemon off;",
          "worker_processes auto;",
          "pid " + dir.resolve("nginx.pid") + ";",
          "error_log " + dir.resolve("logs/error.log") + " warn;",
          "events { worker_connections 4096; }",
          "http {",
          "  access_log off;",
          "  client_body_temp_path " + dir.resolve("tmp-body") + ";",
          "  proxy_temp_path " + dir.resolve("tmp-proxy") + ";",
          "  fastcgi_temp_path " + dir.resolve("tmp-fastcgi") + ";",
          "  uwsgi_temp_path " + dir.resolve("tmp-uwsgi") + ";",
          "  scgi_temp_path " + dir.resolve("tmp-scgi") + ";",
          "  server {",
          "    listen 127.0.0.1:" + port + ";",
          "    location / { return 302 https://example.com/; }",
          // The deliveries scenario's postback receiver.
          "    location /sink { return 200 ok; }",
          "  }",
          "}", ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChildProcess process = ChildProcess.start("nginx",
        List.of(binary, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString()), Map.of(), workDir);
    process.awaitListening(port, Duration.ofSeconds(20));
    return new Nginx(process, port);
  }

  public int port() {
    return port;
  }

  public ChildProcess process() {
    return process;
  }

  public static String version() {
    return Tools.version(List.of(Tools.require("nginx", "nginx-light"), "-v"));
  }

  @Override
  public void close() {
    process.close();
  }
}
