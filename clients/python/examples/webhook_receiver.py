#!/usr/bin/env python3
"""Receives kcid webhooks: verifies each one's signature with the destination's signing secret,
then parses the JSON body, and answers 204 (401 to a webhook that does not verify, which kcid does
not retry).

    KCID_WEBHOOK_SECRET=whsec_… python examples/webhook_receiver.py [PORT]    # default 8000

Create the destination with ``client.create_webhook("http://this-host:8000/kcid", account_id="acme")``
(``.signing_secret`` is shown once). During a rotation give both secrets, space-separated.
"""

from __future__ import annotations

import http.server
import json
import os
import sys
from typing import Any, Callable, Dict, Mapping, Set, Tuple

from kcid.webhooks import WebhookVerificationError, WebhookVerifier


def receive(
    verifier: WebhookVerifier, seen: Set[str], headers: Mapping[str, str], body: bytes
) -> Tuple[int, Dict[str, Any]]:
    """(HTTP status, the event when it is new and verified, else {}). kcid delivers at least once,
    with the same webhook-id on every retry: ``seen`` keeps the ids handled."""
    try:
        verifier.verify(headers, body)  # the raw bytes: they are what was signed
    except WebhookVerificationError as refused:
        print("refused a webhook:", refused.reason, file=sys.stderr)  # the reason, never the secret
        return 401, {}
    event = json.loads(body)
    webhook_id = next(v for k, v in headers.items() if k.lower() == "webhook-id")
    if webhook_id in seen:
        return 204, {}
    seen.add(webhook_id)
    return 204, event


def handler(verifier: WebhookVerifier, handle: Callable[[Dict[str, Any]], None]) -> type:
    seen: Set[str] = set()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, event = receive(verifier, seen, dict(self.headers.items()), body)
            if event:
                handle(event)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Receiver


def main(port: int = 8000) -> None:
    verifier = WebhookVerifier(os.environ["KCID_WEBHOOK_SECRET"].split())

    def show(event: Dict[str, Any]) -> None:
        data = event["data"]
        print(event["type"], data["conversion_id"], data["kcid"], data["goal"], data["status"], data.get("value"))

    server = http.server.ThreadingHTTPServer(("", port), handler(verifier, show))
    print("receiving kcid webhooks on port", port)
    server.serve_forever()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
