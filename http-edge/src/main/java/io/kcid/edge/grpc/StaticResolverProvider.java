package io.kcid.edge.grpc;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code static:///host1:port1,host2:port2}: a fixed list of tracking-servers, balanced round robin
 * by the edge's channel (each one dropped from rotation while its health check says NOT_SERVING).
 * For deployments without DNS-based discovery, and for rolling restarts of two instances.
 */
public final class StaticResolverProvider extends NameResolverProvider {
  public static final String SCHEME = "static";

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!SCHEME.equals(target.getScheme())) {
      return null;
    }
    String path = target.getPath() == null ? "" : target.getPath();
    List<EquivalentAddressGroup> addresses = new ArrayList<>();
    for (String hostPort : (path.startsWith("/") ? path.substring(1) : path).split(",")) {
      addresses.add(new EquivalentAddressGroup(parse(hostPort.trim(), target)));
    }
    String authority = path.startsWith("/") ? path.substring(1).split(",")[0].trim() : path;
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return authority;
      }

      @Override
      public void start(Listener2 listener) {
        listener.onResult(ResolutionResult.newBuilder().setAddresses(addresses).build());
      }

      @Override
      public void shutdown() {}
    };
  }

  private static InetSocketAddress parse(String hostPort, URI target) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("static target " + target + " needs host:port entries, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "static target " + target + " has a bad entry '" + hostPort + "': " + Status.fromThrowable(e).getDescription(), e);
    }
  }
}
