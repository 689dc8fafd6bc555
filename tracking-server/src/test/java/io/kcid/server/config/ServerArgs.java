package io.kcid.server.config;

import io.kcid.server.ServerMain;
import picocli.CommandLine;

/** The config {@code server} builds from a minimal valid command line plus {@code extra} options. */
final class ServerArgs {
  private static final String KEYS = "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  private ServerArgs() {}

  static ServerConfig config(String... extra) {
    String[] base = {"--redis-url", "redis://localhost:6379", "--mac-keys", KEYS};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return CommandLine.populateCommand(new ServerMain(), args).config();
  }
}
