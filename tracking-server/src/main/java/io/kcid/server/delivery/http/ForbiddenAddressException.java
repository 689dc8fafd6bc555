package io.kcid.server.delivery.http;

import java.io.IOException;

/** A destination host resolved to an address the SSRF guard forbids: nothing was connected. */
final class ForbiddenAddressException extends IOException {
  private static final long serialVersionUID = 1L;

  ForbiddenAddressException(String host, String address) {
    super(
        "destination address forbidden: " + host + " resolves to " + address
            + ", an internal address; an operator can allow it with KCID_DELIVERY_ALLOWED_NETWORKS");
  }
}
