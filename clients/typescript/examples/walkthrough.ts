// The README walkthrough with @kcid/client, against `./kcid up` on localhost
// (gRPC :9090, edge :8080), with an API key holding every role. Build and run from clients/typescript:
//   npm ci && npx tsc && KCID_API_KEY=$(cat ../../.kcid/api-keys/local-admin) node dist/examples/walkthrough.js
// In your own project, import from "@kcid/client" instead of "../src/index.js".
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { connect, KcidError, Outcome, ErrorReason, signedUrl, timestampFromDate } from "../src/index.js";

export async function main(target = "localhost:9090", edge = "http://localhost:8080"): Promise<void> {
  const kcid = connect({ target, apiKey: process.env["KCID_API_KEY"] });
  const started = new Date();
  try {
    // 0. A partner (an agency or reseller) owns accounts; S2S tracking is on for it.
    const partnerId = `demo-agency-${randomBytes(4).toString("hex")}`;
    await kcid.partners.createPartner({ partnerId, displayName: "Agency One" });
    console.log(`partner ${partnerId} created`);

    // 1. An advertiser account under it: its postback token and click secret are returned once.
    const accountId = `demo-${randomBytes(4).toString("hex")}`;
    const { secrets } = await kcid.admin.createAccount({ accountId, displayName: "Acme Shoes", partnerId });
    const token = secrets?.postbackToken ?? "";
    const clickSecret = secrets?.clickSecret ?? "";
    console.log(`account ${accountId} created`);

    // 2a. What an ad server does on a click: mint a kcid and redirect.
    const { click, redirectUrl } = await kcid.clicks.issueClick({
      accountId,
      campaignId: "spring-sale",
      subIds: { s1: "pub42" },
      destinationUrl: "https://shop.example/landing?ref=ad",
    });
    const clickId = click?.kcid ?? "";
    console.log(`kcid ${clickId} -> ${redirectUrl}`);

    // 2b. Or put a signed click URL behind the ad and let the edge mint the kcid.
    const url = signedUrl(edge, { a: accountId, c: "spring-sale", s1: "pub42", u: "https://shop.example/landing" }, clickSecret);
    console.log(`signed click URL: ${url}`);

    // 3. The advertiser posts the conversion back; a retry is a duplicate, counted once.
    const first = await kcid.conversions.recordConversion({
      kcid: clickId,
      goalKey: "default",
      value: { amount: "49.90", currencyCode: "EUR" },
      transactionId: "order-1001",
      credentials: { token },
    });
    console.log(`${Outcome[first.outcome]} ${first.conversionId}`);
    const again = await kcid.conversions.recordConversion({ kcid: clickId, credentials: { token } });
    console.log(`${Outcome[again.outcome]} of ${again.conversionId} (${ErrorReason[again.duplicateReason]})`);

    // 4. Mistakes explain themselves.
    try {
      await kcid.conversions.recordConversion({ kcid: clickId.slice(0, 20), credentials: { token } });
    } catch (e) {
      if (!(e instanceof KcidError)) throw e;
      console.log(`refused: ${e.reason} (${e.grpcCode}): ${e.rawMessage}`);
    }

    // 5. What the account sees: its stats, and everything known about one kcid.
    const { total } = await kcid.reports.getStats({ accountId, startTime: timestampFromDate(started) });
    console.log(`stats: ${total?.clicks} click(s), ${total?.conversions} conversion(s)`);
    const explained = await kcid.diagnostics.explainClick({ kcid: clickId });
    console.log(`explain: ${explained.conversions.length} conversion(s), ${explained.attempts.length} postback(s) logged`);
  } finally {
    kcid.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2], process.argv[3]).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
