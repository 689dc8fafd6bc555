// Package kcid is the Go client of kcid, the server-to-server conversion tracker.
//
// It is a thin layer over the generated gRPC stubs in package kcidpb:
//
//   - [Connect] opens a connection with the shared retry/deadline service config
//     (clients/service_config.json), an optional API key (which the server
//     requires) and plaintext or TLS, and returns a [Client] holding the
//     ClickService, ConversionService, AdminService, PartnerService, ReportService
//     and DiagnosticsService stubs.
//   - Tenancy shortcuts: [Client.GetPartner], [Client.AllPartners] and
//     [Client.AllAccounts] (every page, as iterators), [Client.SetPartnerS2S],
//     [Client.DeletePartner], [Client.CreateAPIKey] with a [Scope], [Client.Caller]
//     and [Client.PartnerStats].
//   - [Client.StreamConversions] follows the conversion event stream and returns
//     the cursor to resume from.
//   - Every failed call, and every stream the server ends with an error, returns
//     an [*Error] carrying the kcid reason (for example "KCID_MAC_MISMATCH"), the
//     gRPC code and the message.
//   - [CanonicalQuery], [Sign] and [SignedURL] sign click URLs exactly as the
//     http-edge verifies them (core/KCID-FORMAT.md).
//   - [SignPostback], [PostbackSignatureHeader] and [PostbackQueryPayload] sign
//     postbacks (the [PostbackSignatureHeaderName] header, X-Kcid-Signature).
package kcid
