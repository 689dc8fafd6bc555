export { connect, type ConnectOptions, type KcidClient } from "./client.js";
export { allPages, tenancyCalls, type TenancyCalls } from "./tenancy.js";
export { deliveryCalls, type DeliveryCalls, type DestinationOwner } from "./deliveries.js";
export { KcidError, ERROR_DOMAIN, grpcCodeName, codeFromGrpcName } from "./errors.js";
export { canonicalQuery, sign, signedUrl, percentEncode, type ClickParams } from "./signer.js";
export {
  POSTBACK_SIGNATURE_HEADER,
  signPostback,
  postbackSignatureHeader,
  postbackQueryPayload,
  type PostbackPayload,
} from "./postback.js";
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  verifyWebhook,
  WebhookVerificationError,
  WebhookVerifier,
  type WebhookFailure,
  type WebhookHeaders,
  type WebhookVerifierOptions,
} from "./webhooks.js";
export {
  defaultServiceConfig,
  findMethodConfig,
  parseDuration,
  retryInterceptor,
  timeoutMsFor,
  type MethodConfig,
  type RetryOptions,
  type RetryPolicy,
  type ServiceConfig,
} from "./service-config.js";
export { Code, ConnectError } from "@connectrpc/connect";
export * from "../gen/kcid/tracking/v1/admin_service_pb.js";
export * from "../gen/kcid/tracking/v1/click_service_pb.js";
export * from "../gen/kcid/tracking/v1/conversion_service_pb.js";
export * from "../gen/kcid/tracking/v1/delivery_service_pb.js";
export * from "../gen/kcid/tracking/v1/diagnostics_service_pb.js";
export * from "../gen/kcid/tracking/v1/error_reason_pb.js";
export * from "../gen/kcid/tracking/v1/partner_service_pb.js";
export * from "../gen/kcid/tracking/v1/report_service_pb.js";
export * from "../gen/kcid/tracking/v1/resources_pb.js";
// Timestamps and durations of requests and responses (startTime, claimIdle, …).
export { timestampFromDate, timestampDate, durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
export { ErrorInfoSchema, type ErrorInfo } from "../gen/google/rpc/error_details_pb.js";
