package io.kcid.server.partner.admin;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.server.account.GoalAdmin;
import io.kcid.server.account.PostbackAnswerSettings;
import io.kcid.server.account.PostbackAuthSettings;
import io.kcid.server.account.StatusMapSettings;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.RegionalSettings;
import io.kcid.server.common.Timestamps;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.store.PartnerStore;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Creating, reading, listing and changing partners, including switching their S2S tracking. */
public final class PartnerAdmin {
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final PartnerStore store;
  private final PartnerDirectory directory;
  private final Clock clock;

  public PartnerAdmin(PartnerStore store, PartnerDirectory directory, Clock clock) {
    this.store = store;
    this.directory = directory;
    this.clock = clock;
  }

  /** Creates a partner; the id is derived from the display name when not given. */
  public CompletionStage<Partner> createPartner(CreatePartnerRequest request) {
    Identifiers.freeText("display_name", request.getDisplayName());
    String id =
        request.getPartnerId().isEmpty()
            ? derivedId(Identifiers.required("display_name", request.getDisplayName()))
            : Identifiers.key("partner_id", request.getPartnerId());
    var now = Timestamps.of(clock.instant());
    Partner partner =
        Partner.newBuilder()
            .setPartnerId(id)
            .setDisplayName(request.getDisplayName().isEmpty() ? id : request.getDisplayName())
            .setS2SActive(!request.hasS2SActive() || request.getS2SActive())
            .setDefaults(checkedDefaults(request.getDefaults()))
            .setCreateTime(now)
            .setUpdateTime(now)
            .build();
    // The default partner is created on first use; make sure an explicit "default" collides with it.
    return directory
        .ensureDefault()
        .thenCompose(x -> store.create(partner))
        .thenApply(
            created -> {
              if (!created) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_PARTNER_ALREADY_EXISTS,
                    "A partner '" + id + "' already exists.",
                    Map.of("partnerId", id));
              }
              return partner;
            });
  }

  /** The partner as stored now, or PARTNER_NOT_FOUND. */
  public CompletionStage<Partner> getPartner(String partnerId) {
    return directory.fresh(Identifiers.key("partner_id", partnerId));
  }

  /** One page of partners in id order; the default partner is always listed. */
  public CompletionStage<ListPartnersResponse> listPartners(ListPartnersRequest request) {
    int size = request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
    return directory
        .ensureDefault()
        .thenCompose(x -> store.list(request.getPageToken(), size))
        .thenApply(
            partners -> {
              var response = ListPartnersResponse.newBuilder().addAllPartners(partners);
              if (partners.size() == size) {
                response.setNextPageToken(partners.get(size - 1).getPartnerId());
              }
              return response.build();
            });
  }

  /** Changes the fields the request names; S2S on/off applies to all servers within the cache TTL. */
  public CompletionStage<Partner> updatePartner(UpdatePartnerRequest request) {
    String partnerId = Identifiers.key("partner_id", request.getPartnerId());
    return directory
        .fresh(partnerId)
        .thenCompose(
            stored -> {
              Partner.Builder partner = stored.toBuilder();
              if (request.hasDisplayName()) {
                partner.setDisplayName(
                    Identifiers.required("display_name", Identifiers.freeText("display_name", request.getDisplayName())));
              }
              if (request.hasS2SActive()) {
                partner.setS2SActive(request.getS2SActive());
              }
              if (request.hasDefaults()) {
                partner.setDefaults(checkedDefaults(request.getDefaults()));
              }
              Partner updated = partner.setUpdateTime(Timestamps.of(clock.instant())).build();
              return store
                  .update(updated)
                  .thenApply(
                      found -> {
                        directory.invalidate(partnerId);
                        if (!found) {
                          throw PartnerDirectory.notFound(partnerId);
                        }
                        return updated;
                      });
            });
  }

  private static PartnerDefaults checkedDefaults(PartnerDefaults asked) {
    PartnerDefaults.Builder defaults = PartnerDefaults.newBuilder();
    if (asked.hasAttributionWindow()) {
      defaults.setAttributionWindow(GoalAdmin.checkedWindow(asked.getAttributionWindow()));
    }
    defaults.setCountingMode(GoalAdmin.checkedMode(asked.getCountingMode()));
    defaults.addAllPostbackAuthMethods(
        asked.getPostbackAuthMethodsCount() == 0
            ? PostbackAuthSettings.initial().getMethodsList()
            : PostbackAuthSettings.checkedMethods(asked.getPostbackAuthMethodsList()));
    if (!asked.getTimeZone().isEmpty()) {
      defaults.setTimeZone(RegionalSettings.timeZone("defaults.time_zone", asked.getTimeZone()));
    }
    if (!asked.getCurrencyCode().isEmpty()) {
      defaults.setCurrencyCode(RegionalSettings.currency("defaults.currency_code", asked.getCurrencyCode()));
    }
    defaults.putAllStatusMap(StatusMapSettings.checked("defaults.status_map", asked.getStatusMapMap()));
    defaults.setIgnoreStatus(asked.getIgnoreStatus());
    defaults.setPostbackResponseFormat(PostbackAnswerSettings.checkedFormat(
        "defaults.postback_response_format", asked.getPostbackResponseFormatValue()));
    return defaults.build();
  }

  /** "Agency One" → "agency-one": lower case, runs of other characters as one dash. */
  static String derivedId(String displayName) {
    String id = displayName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "-").replaceAll("^-+|-+$", "");
    if (id.length() > 64) {
      id = id.substring(0, 64).replaceAll("-+$", "");
    }
    if (id.isEmpty()) {
      throw Identifiers.invalid("partner_id", "partner_id is required when display_name has no letter or digit");
    }
    return id;
  }
}
