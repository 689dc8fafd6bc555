package io.kcid.edge.click;

import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the query of a signed click URL into an {@link IssueClickRequest}. It is strict, because the
 * signature covers exactly these fields: an extra or repeated parameter would be a parameter the
 * server never verified. The signature itself is checked by the server, over the forwarded fields.
 */
public final class ClickRequestParser {
  private static final Set<String> SUB_IDS =
      Set.of("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10");
  private static final Set<String> SCALARS = Set.of("a", "c", "cr", "p", "u", "sig");

  private ClickRequestParser() {}

  /**
   * The parsed request, still open for the edge's additions (User-Agent, client address), so the
   * click path builds its message once instead of building and copying it.
   *
   * @throws Rejection INVALID_PARAMETER, MISSING_PARAMETER or CLICK_SIGNATURE_MISSING
   */
  public static IssueClickRequest.Builder builder(Map<String, List<String>> parameters) {
    for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
      String name = parameter.getKey();
      if (!SCALARS.contains(name) && !SUB_IDS.contains(name)) {
        throw new Rejection(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "Unknown click parameter '" + clip(name) + "'; allowed: a, c, cr, p, s1..s10, u, sig.");
      }
      if (parameter.getValue().size() > 1) {
        throw new Rejection(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER, "Click parameter '" + name + "' is given more than once.");
      }
    }
    IssueClickRequest.Builder request =
        IssueClickRequest.newBuilder()
            .setAccountId(required(parameters, "a", "account"))
            .setCampaignId(required(parameters, "c", "campaign"))
            .setDestinationUrl(required(parameters, "u", "destination URL"))
            .setCreativeId(optional(parameters, "cr"))
            .setPlacementId(optional(parameters, "p"));
    for (String subId : SUB_IDS) {
      List<String> values = parameters.get(subId);
      if (values != null) {
        // Forwarded as given, empty included: the server canonicalises what it verifies.
        request.putSubIds(subId, QueryParams.single(values));
      }
    }
    String signature = optional(parameters, "sig");
    if (signature.isEmpty()) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_CLICK_SIGNATURE_MISSING,
          "The click URL has no 'sig' parameter; click URLs must be signed by the ad server.");
    }
    return request.setClickSignature(signature);
  }

  private static String required(Map<String, List<String>> parameters, String name, String meaning) {
    String value = optional(parameters, name);
    if (value.isEmpty()) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER, "Missing click parameter '" + name + "' (" + meaning + ").");
    }
    return value;
  }

  private static String optional(Map<String, List<String>> parameters, String name) {
    List<String> values = parameters.get(name);
    return values == null ? "" : QueryParams.single(values);
  }

  /** Parameter names are sender-controlled: echo a bounded prefix only. */
  static String clip(String name) {
    return name.length() <= 64 ? name : name.substring(0, 64) + "…";
  }
}
