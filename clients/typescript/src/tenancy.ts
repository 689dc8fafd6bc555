import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CallOptions, Client } from "@connectrpc/connect";
import type { Account } from "../gen/kcid/tracking/v1/resources_pb.js";
import type { AdminService, ApiKey } from "../gen/kcid/tracking/v1/admin_service_pb.js";
import type { Partner, PartnerService } from "../gen/kcid/tracking/v1/partner_service_pb.js";
import { StatsDimension, type GetStatsResponse, type ReportService } from "../gen/kcid/tracking/v1/report_service_pb.js";

/**
 * Shortcuts for the tenancy calls: every page of partners and accounts, the S2S switch, the
 * calling key and a partner's roll-up. Each is one call (or one per page) of the service
 * clients, so deadlines, retries and KcidError are the same.
 */
export interface TenancyCalls {
  /** The key this client calls with: name, roles and scope (`partnerId`, `accountId`); never its secret. */
  caller(opts?: CallOptions): Promise<ApiKey>;
  /** Every partner ordered by id, fetching pages of `pageSize` (0: 100) as the loop needs them. */
  allPartners(options?: { pageSize?: number }, opts?: CallOptions): AsyncGenerator<Partner>;
  /** Every account ordered by id (only those of `partnerId` when set), page by page. */
  allAccounts(options?: { partnerId?: string; pageSize?: number }, opts?: CallOptions): AsyncGenerator<Account>;
  /**
   * Switches S2S tracking of every account of the partner on or off: while off, clicks and
   * postbacks fail with `PARTNER_INACTIVE` (seen by every server within its account cache TTL);
   * stored data stays readable.
   */
  setPartnerS2s(partnerId: string, active: boolean, opts?: CallOptions): Promise<Partner>;
  /**
   * `getStats` over every account of a partner in [startTime, endTime) (whole hours; no end:
   * now): by default one row per account (`row.accountId`) and the partner's totals.
   * `timeZone` defaults to the partner's.
   */
  getPartnerStats(
    request: { partnerId: string; startTime: Date; endTime?: Date; groupBy?: StatsDimension[]; timeZone?: string },
    opts?: CallOptions,
  ): Promise<GetStatsResponse>;
}

/** Every item of every page `fetch` returns, following the next-page token until it is empty. */
export async function* allPages<T>(
  fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): AsyncGenerator<T> {
  let token = "";
  do {
    const page = await fetch(token);
    yield* page.items;
    token = page.nextPageToken;
  } while (token !== "");
}

/** The tenancy shortcuts over these service clients. */
export function tenancyCalls(
  admin: Client<typeof AdminService>,
  partners: Client<typeof PartnerService>,
  reports: Client<typeof ReportService>,
): TenancyCalls {
  return {
    async caller(opts) {
      const { apiKey } = await admin.getCaller({}, opts);
      if (apiKey === undefined) throw new Error("GetCaller answered without an api_key");
      return apiKey;
    },
    allPartners({ pageSize = 0 } = {}, opts) {
      return allPages(async (pageToken) => {
        const page = await partners.listPartners({ pageSize, pageToken }, opts);
        return { items: page.partners, nextPageToken: page.nextPageToken };
      });
    },
    allAccounts({ partnerId = "", pageSize = 0 } = {}, opts) {
      return allPages(async (pageToken) => {
        const page = await admin.listAccounts({ partnerId, pageSize, pageToken }, opts);
        return { items: page.accounts, nextPageToken: page.nextPageToken };
      });
    },
    async setPartnerS2s(partnerId, active, opts) {
      const { partner } = await partners.updatePartner({ partnerId, s2sActive: active }, opts);
      if (partner === undefined) throw new Error("UpdatePartner answered without a partner");
      return partner;
    },
    getPartnerStats({ partnerId, startTime, endTime, groupBy = [StatsDimension.ACCOUNT], timeZone = "" }, opts) {
      return reports.getStats(
        {
          partnerId,
          startTime: timestampFromDate(startTime),
          ...(endTime === undefined ? {} : { endTime: timestampFromDate(endTime) }),
          groupBy,
          timeZone,
        },
        opts,
      );
    },
  };
}
