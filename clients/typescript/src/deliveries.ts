import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { CallOptions, Client } from "@connectrpc/connect";
import {
  DestinationKind,
  type Delivery,
  type DeliveryService,
  type Destination,
  type ListDeliveriesRequestSchema,
  type RedeliverRequestSchema,
  type RotateDestinationSecretResponse,
  type TestDestinationResponse,
  type UpdateDestinationRequestSchema,
} from "../gen/kcid/tracking/v1/delivery_service_pb.js";
import { allPages } from "./tenancy.js";

/** The plain-object form of a request message (no `$typeName`), as the service methods take it. */
type Init<S extends DescMessage> = Exclude<MessageInitShape<S>, MessageShape<S>>;

/**
 * Whose a destination is: one account (`accountId`) or a partner (`partnerId`; its destinations
 * apply to every account of the partner). Give exactly one.
 */
export interface DestinationOwner {
  accountId?: string;
  partnerId?: string;
}

/**
 * Shortcuts for DeliveryService: destinations (partner postbacks and signed webhooks) and the
 * delivery log. Each is one call (or one per page) of `client.deliveries`, so deadlines, retries
 * and KcidError (reasons DESTINATION_NOT_FOUND, DESTINATION_ALREADY_EXISTS,
 * DESTINATION_ADDRESS_FORBIDDEN, DELIVERY_NOT_FOUND …) are the same. More settings (goals,
 * triggers, status map, limits): `client.deliveries.createDestination`.
 */
export interface DeliveryCalls {
  /**
   * Creates a webhook destination (a signed JSON POST to `url`); returns it with its signing
   * secret (`whsec_…`, shown only now: give it to a WebhookVerifier).
   */
  createWebhook(owner: DestinationOwner, url: string, options?: { destinationId?: string }, opts?: CallOptions): Promise<{ destination: Destination; signingSecret: string }>;
  /** Creates a postback destination: a GET of `urlTemplate` with its `{macros}` filled in (an unknown macro is INVALID_PARAMETER). */
  createPostback(owner: DestinationOwner, urlTemplate: string, options?: { destinationId?: string }, opts?: CallOptions): Promise<Destination>;
  /** One destination. DESTINATION_NOT_FOUND when unknown. */
  getDestination(owner: DestinationOwner, destinationId: string, opts?: CallOptions): Promise<Destination>;
  /** An account's destinations (its own and its partner's, whose `partnerId` is set), or a partner's. */
  listDestinations(owner: DestinationOwner, opts?: CallOptions): Promise<Destination[]>;
  /** Changes what `changes` sets (`url`, `paused`, limits; the `replace*` flags for the lists and the status map). */
  updateDestination(
    owner: DestinationOwner,
    destinationId: string,
    changes: Omit<Init<typeof UpdateDestinationRequestSchema>, "accountId" | "partnerId" | "destinationId">,
    opts?: CallOptions,
  ): Promise<Destination>;
  /** Pauses a destination: its jobs wait, neither sent nor dropped. */
  pauseDestination(owner: DestinationOwner, destinationId: string, opts?: CallOptions): Promise<Destination>;
  /** Resumes a paused destination (and closes an open circuit breaker). */
  resumeDestination(owner: DestinationOwner, destinationId: string, opts?: CallOptions): Promise<Destination>;
  /** Deletes a destination; its pending jobs are cancelled. */
  deleteDestination(owner: DestinationOwner, destinationId: string, opts?: CallOptions): Promise<void>;
  /** Sends a synthetic test conversion now (delivery id `test_…`; nothing queued or retried): the attempt and the URL requested. */
  testDestination(owner: DestinationOwner, destinationId: string, opts?: CallOptions): Promise<TestDestinationResponse>;
  /**
   * Gives a webhook destination a new signing secret (returned once); the previous one keeps
   * signing beside it for `gracePeriodMs` (unset: 24 h; at most 30 days).
   */
  rotateDestinationSecret(owner: DestinationOwner, destinationId: string, options?: { gracePeriodMs?: number }, opts?: CallOptions): Promise<RotateDestinationSecretResponse>;
  /**
   * The account's delivery log newest first, every job with its attempts, filtered as asked
   * (`failedOnly`: dead-lettered only, `destinationId`, `kcid`), fetching pages of `pageSize`
   * (0: 100) as the loop needs them.
   */
  allDeliveries(request: Omit<Init<typeof ListDeliveriesRequestSchema>, "pageToken">, opts?: CallOptions): AsyncGenerator<Delivery>;
  /**
   * The delivery ids `client.deliveries.redeliver(request)` would queue again; queues nothing (a
   * dry run). Redelivered jobs keep their ids, so `webhook-id`.
   */
  previewRedeliver(request: Omit<Init<typeof RedeliverRequestSchema>, "dryRun">, opts?: CallOptions): Promise<string[]>;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} answered without its message`);
  return value;
}

/** The delivery shortcuts over this DeliveryService client. */
export function deliveryCalls(deliveries: Client<typeof DeliveryService>): DeliveryCalls {
  const owned = (owner: DestinationOwner, destinationId: string) => ({
    accountId: owner.accountId ?? "",
    partnerId: owner.partnerId ?? "",
    destinationId,
  });
  const update: DeliveryCalls["updateDestination"] = async (owner, destinationId, changes, opts) =>
    required((await deliveries.updateDestination({ ...changes, ...owned(owner, destinationId) }, opts)).destination, "UpdateDestination");
  return {
    async createWebhook(owner, url, { destinationId = "" } = {}, opts) {
      const res = await deliveries.createDestination({ ...owned(owner, destinationId), kind: DestinationKind.WEBHOOK, url }, opts);
      return { destination: required(res.destination, "CreateDestination"), signingSecret: res.signingSecret };
    },
    async createPostback(owner, urlTemplate, { destinationId = "" } = {}, opts) {
      const res = await deliveries.createDestination({ ...owned(owner, destinationId), kind: DestinationKind.POSTBACK, url: urlTemplate }, opts);
      return required(res.destination, "CreateDestination");
    },
    async getDestination(owner, destinationId, opts) {
      return required((await deliveries.getDestination(owned(owner, destinationId), opts)).destination, "GetDestination");
    },
    async listDestinations(owner, opts) {
      return (await deliveries.listDestinations({ accountId: owner.accountId ?? "", partnerId: owner.partnerId ?? "" }, opts)).destinations;
    },
    updateDestination: update,
    pauseDestination: (owner, destinationId, opts) => update(owner, destinationId, { paused: true }, opts),
    resumeDestination: (owner, destinationId, opts) => update(owner, destinationId, { paused: false }, opts),
    async deleteDestination(owner, destinationId, opts) {
      await deliveries.deleteDestination(owned(owner, destinationId), opts);
    },
    testDestination: (owner, destinationId, opts) => deliveries.testDestination(owned(owner, destinationId), opts),
    rotateDestinationSecret(owner, destinationId, { gracePeriodMs } = {}, opts) {
      return deliveries.rotateDestinationSecret(
        { ...owned(owner, destinationId), ...(gracePeriodMs === undefined ? {} : { gracePeriod: durationFromMs(gracePeriodMs) }) },
        opts,
      );
    },
    allDeliveries(request, opts) {
      return allPages(async (pageToken) => {
        const page = await deliveries.listDeliveries({ ...request, pageToken }, opts);
        return { items: page.deliveries, nextPageToken: page.nextPageToken };
      });
    },
    async previewRedeliver(request, opts) {
      return (await deliveries.redeliver({ ...request, dryRun: true }, opts)).deliveryIds;
    },
  };
}
