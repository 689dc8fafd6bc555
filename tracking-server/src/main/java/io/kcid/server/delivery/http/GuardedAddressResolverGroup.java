package io.kcid.server.delivery.http;

import io.kcid.server.delivery.AddressGuard;
import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

/**
 * The SSRF check at connect time: resolves a destination host with the delegate (non-blocking
 * DNS), checks EVERY address it answers with {@link AddressGuard#permits}, fails with
 * {@link ForbiddenAddressException} if any is forbidden, and otherwise hands the bootstrap the
 * checked address itself, so the connection goes to exactly what was checked (no second lookup,
 * no DNS-rebinding window). Already-resolved addresses (IP literals) are checked too.
 */
final class GuardedAddressResolverGroup extends AddressResolverGroup<InetSocketAddress> {
  private final AddressResolverGroup<InetSocketAddress> delegate;
  private final AddressGuard guard;

  GuardedAddressResolverGroup(AddressResolverGroup<InetSocketAddress> delegate, AddressGuard guard) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.guard = Objects.requireNonNull(guard, "guard");
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
    return new GuardedResolver(executor, delegate.getResolver(executor), guard);
  }

  @Override
  public void close() {
    super.close();
    delegate.close();
  }

  private static final class GuardedResolver extends AbstractAddressResolver<InetSocketAddress> {
    private final AddressResolver<InetSocketAddress> delegate;
    private final AddressGuard guard;

    GuardedResolver(EventExecutor executor, AddressResolver<InetSocketAddress> delegate, AddressGuard guard) {
      super(executor, InetSocketAddress.class);
      this.delegate = delegate;
      this.guard = guard;
    }

    @Override
    protected boolean doIsResolved(InetSocketAddress address) {
      // Never "resolved": the bootstrap would then connect without asking us, skipping the check.
      return false;
    }

    @Override
    protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
      resolveChecked(unresolved).addListener(f -> {
        if (f.isSuccess()) {
          @SuppressWarnings("unchecked")
          List<InetSocketAddress> all = (List<InetSocketAddress>) f.getNow();
          promise.trySuccess(all.get(0));
        } else {
          promise.tryFailure(f.cause());
        }
      });
    }

    @Override
    protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
      resolveChecked(unresolved).addListener(f -> {
        if (f.isSuccess()) {
          @SuppressWarnings("unchecked")
          List<InetSocketAddress> all = (List<InetSocketAddress>) f.getNow();
          promise.trySuccess(all);
        } else {
          promise.tryFailure(f.cause());
        }
      });
    }

    private Future<List<InetSocketAddress>> resolveChecked(InetSocketAddress target) {
      Promise<List<InetSocketAddress>> checked = executor().newPromise();
      Future<List<InetSocketAddress>> resolved =
          target.isUnresolved()
              ? delegate.resolveAll(target)
              : executor().newSucceededFuture(List.of(target));
      resolved.addListener(f -> {
        if (!f.isSuccess()) {
          checked.tryFailure(f.cause());
          return;
        }
        @SuppressWarnings("unchecked")
        List<InetSocketAddress> all = (List<InetSocketAddress>) f.getNow();
        if (all.isEmpty()) {
          checked.tryFailure(new UnknownHostException(target.getHostString()));
          return;
        }
        for (InetSocketAddress a : all) {
          if (a.getAddress() == null || !guard.permits(a.getAddress())) {
            checked.tryFailure(new ForbiddenAddressException(
                target.getHostString(),
                a.getAddress() == null ? "an unresolved address" : a.getAddress().getHostAddress()));
            return;
          }
        }
        checked.trySuccess(List.copyOf(all));
      });
      return checked;
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
