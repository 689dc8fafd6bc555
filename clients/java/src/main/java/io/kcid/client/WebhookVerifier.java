package io.kcid.client;

import io.kcid.client.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the webhooks kcid sends, by the Standard Webhooks specification (standardwebhooks.com):
 * {@code webhook-signature} holds space-separated {@code v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">} entries, one per secret that signed (two while a rotated secret's grace
 * period lasts). Secrets are the destination's {@code whsec_} + base64 (the prefix is optional).
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.of(System.getenv("KCID_WEBHOOK_SECRET"));
 * verifier.verify(request::getHeader, body); // the raw body bytes; throws WebhookVerificationException
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookVerifier {
  public static final String ID_HEADER = "webhook-id";
  public static final String TIMESTAMP_HEADER = "webhook-timestamp";
  public static final String SIGNATURE_HEADER = "webhook-signature";
  /** How far a webhook's timestamp may be from now, either way. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private static final String PREFIX = "whsec_";
  private static final Pattern SECONDS = Pattern.compile("-?[0-9]{1,18}");

  private final List<byte[]> keys;
  private final Duration tolerance;
  private final Clock clock;

  private WebhookVerifier(List<byte[]> keys, Duration tolerance, Clock clock) {
    this.keys = keys;
    this.tolerance = tolerance;
    this.clock = clock;
  }

  /** A verifier of these secrets with the 5 minute tolerance. */
  public static WebhookVerifier of(String... secrets) {
    return of(List.of(secrets));
  }

  /** A verifier of these secrets (several while moving from one to the next) with the 5 minute tolerance. */
  public static WebhookVerifier of(Collection<String> secrets) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("no signing secret");
    }
    List<byte[]> keys = new ArrayList<>();
    for (String secret : secrets) {
      keys.add(key(secret, keys.size()));
    }
    return new WebhookVerifier(List.copyOf(keys), DEFAULT_TOLERANCE, Clock.systemUTC());
  }

  /** A copy that allows the timestamp this far from now, either way. */
  public WebhookVerifier withTolerance(Duration tolerance) {
    if (tolerance.isNegative()) {
      throw new IllegalArgumentException("negative tolerance");
    }
    return new WebhookVerifier(keys, tolerance, clock);
  }

  /** A copy that compares the timestamp with this clock (tests, replays of old webhooks). */
  public WebhookVerifier withClock(Clock clock) {
    return new WebhookVerifier(keys, tolerance, Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Checks a webhook: {@code header} looks a header up by its lower-case name (e.g. a servlet's
   * {@code request::getHeader}), {@code body} is the body exactly as received (read it whole
   * before parsing: re-serialized JSON does not verify). Returns when kcid sent it.
   */
  public void verify(Function<String, String> header, byte[] body) throws WebhookVerificationException {
    verify(header.apply(ID_HEADER), header.apply(TIMESTAMP_HEADER), header.apply(SIGNATURE_HEADER), body);
  }

  /**
   * {@link #verify(Function, byte[])} for headers in a map, names in any case, values a String or
   * a list of them (e.g. the JDK HttpServer's {@code Headers}).
   */
  public void verify(Map<String, ?> headers, byte[] body) throws WebhookVerificationException {
    verify(name -> lookUp(headers, name), body);
  }

  /** The check itself, for header values taken from elsewhere (a queue, a log). */
  public void verify(String id, String timestamp, String signature, byte[] body) throws WebhookVerificationException {
    requirePresent(ID_HEADER, id);
    requirePresent(TIMESTAMP_HEADER, timestamp);
    requirePresent(SIGNATURE_HEADER, signature);
    String ts = timestamp.strip();
    if (!SECONDS.matcher(ts).matches()) {
      throw new WebhookVerificationException(Reason.INVALID_TIMESTAMP, TIMESTAMP_HEADER);
    }
    long skew = Math.abs(clock.instant().getEpochSecond() - Long.parseLong(ts));
    if (skew > tolerance.toSeconds()) {
      throw new WebhookVerificationException(Reason.TIMESTAMP_OUT_OF_TOLERANCE, null);
    }
    List<byte[]> candidates = new ArrayList<>();
    for (String entry : signature.strip().split("\\s+")) {
      int comma = entry.indexOf(',');
      if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
        continue; // other versions (v1a: asymmetric) are not kcid's
      }
      try {
        candidates.add(Base64.getDecoder().decode(entry.substring(comma + 1)));
      } catch (IllegalArgumentException notBase64) {
        // not a signature of ours
      }
    }
    byte[] signed = (id + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
    for (byte[] key : keys) {
      byte[] expected = hmac(key, signed, body);
      for (byte[] candidate : candidates) {
        if (MessageDigest.isEqual(candidate, expected)) { // constant time
          return;
        }
      }
    }
    throw new WebhookVerificationException(Reason.NO_MATCHING_SIGNATURE, null);
  }

  private static void requirePresent(String name, String value) throws WebhookVerificationException {
    if (value == null || value.isBlank()) {
      throw new WebhookVerificationException(Reason.MISSING_HEADER, name);
    }
  }

  private static String lookUp(Map<String, ?> headers, String name) {
    for (Map.Entry<String, ?> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().toLowerCase(Locale.ROOT).equals(name)) {
        Object value = e.getValue();
        if (value instanceof Collection<?> values) {
          return values.stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse(null);
        }
        return value == null ? null : value.toString();
      }
    }
    return null;
  }

  private static byte[] key(String secret, int index) {
    String encoded = secret == null ? "" : secret.strip();
    if (encoded.startsWith(PREFIX)) {
      encoded = encoded.substring(PREFIX.length());
    }
    try {
      byte[] key = Base64.getDecoder().decode(encoded);
      if (key.length > 0) {
        return key;
      }
    } catch (IllegalArgumentException notBase64) {
      // the message below never repeats the secret
    }
    throw new IllegalArgumentException("signing secret #" + (index + 1) + " is not whsec_ followed by base64");
  }

  private static byte[] hmac(byte[] key, byte[] signed, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(signed);
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
