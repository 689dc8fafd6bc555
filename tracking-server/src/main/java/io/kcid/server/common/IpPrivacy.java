package io.kcid.server.common;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What becomes of a client IP address before anything stores it ({@code KCID_IP_PRIVACY}):
 * {@code truncate} (default) keeps the network, /24 for IPv4 and /48 for IPv6, so per-network
 * statistics still work but no single device is named; {@code hash} keeps a keyed HMAC-SHA256
 * ({@code KCID_IP_HASH_KEY}), so equal addresses can be matched without being readable, and
 * rotating the key unlinks old records; {@code none} keeps the address as sent.
 * Parsing never resolves names: anything that is not an IP literal is stored as nothing.
 */
public final class IpPrivacy {
  /** The configured treatment. */
  public enum Mode {
    TRUNCATE,
    HASH,
    NONE;

    public static Mode parse(String value) {
      if (value != null) {
        for (Mode mode : values()) {
          if (mode.name().equalsIgnoreCase(value.trim())) {
            return mode;
          }
        }
      }
      throw new IllegalArgumentException("KCID_IP_PRIVACY=" + value + ": expected truncate, hash or none");
    }
  }

  private static final int IPV4_KEPT_BYTES = 3; // /24
  private static final int IPV6_KEPT_BYTES = 6; // /48
  private static final int HASH_BYTES = 16;

  private final Mode mode;
  private final byte[] hashKey;

  private IpPrivacy(Mode mode, byte[] hashKey) {
    this.mode = mode;
    this.hashKey = hashKey;
  }

  public static IpPrivacy truncate() {
    return new IpPrivacy(Mode.TRUNCATE, null);
  }

  public static IpPrivacy none() {
    return new IpPrivacy(Mode.NONE, null);
  }

  /** Keyed hashing; the key must be at least 16 bytes. */
  public static IpPrivacy hash(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("KCID_IP_HASH_KEY: expected a base64url secret of at least 16 bytes");
    }
    return new IpPrivacy(Mode.HASH, key.clone());
  }

  /** From the configuration: mode and, for {@code hash}, the base64url key. */
  public static IpPrivacy of(String mode, String base64UrlKey) {
    return switch (Mode.parse(mode)) {
      case TRUNCATE -> truncate();
      case NONE -> none();
      case HASH -> {
        if (base64UrlKey == null || base64UrlKey.isBlank()) {
          throw new IllegalArgumentException("KCID_IP_PRIVACY=hash needs KCID_IP_HASH_KEY (base64url, at least 16 bytes)");
        }
        byte[] key;
        try {
          key = Base64.getUrlDecoder().decode(base64UrlKey.trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("KCID_IP_HASH_KEY: not base64url");
        }
        yield hash(key);
      }
    };
  }

  public Mode mode() {
    return mode;
  }

  /** The form to store: truncated, hashed or as given; "" for an empty or non-literal address. */
  public String apply(String ip) {
    if (ip == null || ip.isEmpty()) {
      return "";
    }
    InetAddress address;
    try {
      address = InetAddresses.forString(ip);
    } catch (IllegalArgumentException e) {
      return "";
    }
    // An IPv4-mapped IPv6 literal (::ffff:a.b.c.d) parses as the IPv4 address, so it is truncated as one.
    return switch (mode) {
      case NONE -> InetAddresses.toAddrString(address);
      case TRUNCATE -> InetAddresses.toAddrString(network(address));
      case HASH -> "h:" + Base64.getUrlEncoder().withoutPadding().encodeToString(
          Arrays.copyOf(hmac(InetAddresses.toAddrString(address).getBytes(StandardCharsets.US_ASCII)), HASH_BYTES));
    };
  }

  private static InetAddress network(InetAddress address) {
    byte[] bytes = address.getAddress();
    int kept = address instanceof Inet4Address ? IPV4_KEPT_BYTES : IPV6_KEPT_BYTES;
    Arrays.fill(bytes, kept, bytes.length, (byte) 0);
    try {
      return InetAddress.getByAddress(bytes);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e); // only thrown for a wrong length
    }
  }

  private byte[] hmac(byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(hashKey, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return "IpPrivacy[" + mode.name().toLowerCase(Locale.ROOT) + "]"; // never the key
  }
}
