package io.kcid.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link KcidClient#connect(KcidClientOptions)} reaches a kcid tracking-server. Build one with
 * {@link #builder()}; the defaults are {@code localhost:9090}, plaintext, no API key and a 5 s
 * deadline per call.
 */
public final class KcidClientOptions {
  /** The default per-call deadline; the shared service config also caps every call at 5 s. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

  private final String target;
  private final String apiKey;
  private final boolean tls;
  private final Path caFile;
  private final Duration deadline;

  private KcidClientOptions(Builder b) {
    this.target = b.target;
    this.apiKey = b.apiKey;
    this.tls = b.tls;
    this.caFile = b.caFile;
    this.deadline = b.deadline;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Plaintext to {@code target} with every other option at its default. */
  public static KcidClientOptions plaintext(String target) {
    return builder().target(target).plaintext().build();
  }

  /** gRPC target: {@code host:port} or a target URI such as {@code dns:///kcid.example:443}. */
  public String target() {
    return target;
  }

  /** Sent as {@code authorization: Bearer <key>} on every call when present. */
  public Optional<String> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  public boolean tls() {
    return tls;
  }

  /** PEM file of the CA certificates to trust instead of the system roots (TLS only). */
  public Optional<Path> caFile() {
    return Optional.ofNullable(caFile);
  }

  /** Deadline applied to every call that does not set its own. */
  public Duration deadline() {
    return deadline;
  }

  @Override
  public String toString() {
    return "KcidClientOptions{target=" + target + ", tls=" + tls
        + (caFile != null ? ", caFile=" + caFile : "")
        + ", apiKey=" + (apiKey != null ? "<set>" : "<none>")
        + ", deadline=" + deadline + "}";
  }

  public static final class Builder {
    private String target = "localhost:9090";
    private String apiKey;
    private boolean tls;
    private Path caFile;
    private Duration deadline = DEFAULT_DEADLINE;

    private Builder() {}

    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      if (target.isBlank()) {
        throw new IllegalArgumentException("target must be host:port or a gRPC target URI");
      }
      this.target = target;
      return this;
    }

    /** API key sent as a bearer token on every call; {@code null} or blank sends none. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
      return this;
    }

    /** No transport security (the default; what {@code ./kcid up} serves). */
    public Builder plaintext() {
      this.tls = false;
      this.caFile = null;
      return this;
    }

    /** TLS, trusting the system's root certificates. */
    public Builder tls() {
      this.tls = true;
      this.caFile = null;
      return this;
    }

    /** TLS, trusting only the CA certificates in this PEM file. */
    public Builder tls(Path caFile) {
      this.tls = true;
      this.caFile = Objects.requireNonNull(caFile, "caFile");
      return this;
    }

    /** Deadline of calls that set none themselves; must be positive. */
    public Builder deadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive, got " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    public KcidClientOptions build() {
      return new KcidClientOptions(this);
    }
  }
}
