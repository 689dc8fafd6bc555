// Receives kcid webhooks: verifies each one's signature with the destination's signing secret,
// then parses the JSON body, and answers 204 (401 to a webhook that does not verify, which kcid
// does not retry). Build and run from clients/typescript:
//   npm ci && npx tsc && KCID_WEBHOOK_SECRET=whsec_… node dist/examples/webhook-receiver.js [PORT]
// Create the destination with `client.createWebhook({ accountId: "acme" }, "http://this-host:8000/kcid")`
// (its signingSecret is shown once). During a rotation give both secrets, space-separated.
// In your own project, import from "@kcid/client" instead of "../src/index.js".
import { createServer, type IncomingHttpHeaders } from "node:http";
import { pathToFileURL } from "node:url";
import { WebhookVerificationError, WebhookVerifier } from "../src/index.js";

/** The part of a kcid webhook body this receiver uses. */
export interface KcidEvent {
  type: string;
  data: { conversion_id: string; kcid: string; goal: string; status: string; value?: { amount: string; currency: string }; test: boolean };
}

/**
 * The HTTP status to answer and the event when it is new and verified. kcid delivers at least
 * once, with the same webhook-id on every retry: `seen` keeps the ids handled.
 */
export function receive(verifier: WebhookVerifier, seen: Set<string>, headers: IncomingHttpHeaders, body: Buffer): { status: number; event?: KcidEvent } {
  try {
    verifier.verify(headers, body); // the raw bytes: they are what was signed
  } catch (e) {
    if (!(e instanceof WebhookVerificationError)) throw e;
    console.error(`refused a webhook: ${e.reason}`); // the reason, never the secret
    return { status: 401 };
  }
  const event = JSON.parse(body.toString("utf8")) as KcidEvent;
  const id = String(headers["webhook-id"]);
  if (seen.has(id)) return { status: 204 };
  seen.add(id);
  return { status: 204, event };
}

export function main(port = 8000): void {
  const verifier = new WebhookVerifier((process.env["KCID_WEBHOOK_SECRET"] ?? "").split(/\s+/).filter((s) => s !== ""));
  const seen = new Set<string>();
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { status, event } = receive(verifier, seen, req.headers, Buffer.concat(chunks));
      if (event !== undefined) {
        const { conversion_id, kcid, goal, status: s, value } = event.data;
        console.log(event.type, conversion_id, kcid, goal, s, value?.amount ?? "", value?.currency ?? "");
      }
      res.writeHead(status).end();
    });
  }).listen(port, () => console.log(`receiving kcid webhooks on port ${port}`));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] === undefined ? undefined : Number(process.argv[2]));
}
