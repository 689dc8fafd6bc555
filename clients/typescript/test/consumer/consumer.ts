// A project outside the repository that installed the client with `npm install <path>` (test.sh
// copies this folder to a scratch directory): imports it by name, issues a click, records its
// conversion and reads the account's stats from the kcid at KCID_TARGET with KCID_API_KEY.
import { randomBytes } from "node:crypto";
import { connect, KcidError, Outcome, StatsDimension, timestampFromDate } from "@kcid/client";

const target = process.env["KCID_TARGET"] ?? "localhost:9090";
const kcid = connect({ target, apiKey: process.env["KCID_API_KEY"] });
try {
  const started = new Date(Date.now() - 60_000);
  const accountId = `consumer-${randomBytes(4).toString("hex")}`;
  const { secrets } = await kcid.admin.createAccount({ accountId, displayName: "npm consumer" });
  const { click } = await kcid.clicks.issueClick({ accountId, campaignId: "spring-sale" });
  const recorded = await kcid.conversions.recordConversion({
    kcid: click?.kcid ?? "",
    credentials: { token: secrets?.postbackToken ?? "" },
  });
  const stats = await kcid.reports.getStats({
    accountId,
    startTime: timestampFromDate(started),
    groupBy: [StatsDimension.CAMPAIGN],
  });
  const row = stats.rows[0];
  const ok =
    recorded.outcome === Outcome.ACCEPTED &&
    stats.total?.clicks === 1n &&
    stats.total?.conversions === 1n &&
    stats.rows.length === 1 &&
    row?.campaignId === "spring-sale";
  console.log(`consumer: click ${click?.kcid}, conversion ${Outcome[recorded.outcome]}, stats ${stats.total?.clicks} click(s) ${stats.total?.conversions} conversion(s)`);
  if (!ok) {
    console.error("consumer: unexpected answer", JSON.stringify(stats.rows, (_, v) => (typeof v === "bigint" ? String(v) : v)));
    process.exitCode = 1;
  }
} catch (e) {
  console.error("consumer:", e instanceof KcidError ? `${e.grpcCode} ${e.reason}: ${e.rawMessage}` : e);
  process.exitCode = 1;
} finally {
  kcid.close();
}
