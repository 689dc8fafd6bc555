"""Destinations, webhooks and the delivery log against the live kcid (see conftest.server, started
with KCID_DELIVERY_ALLOWED_NETWORKS covering loopback): a local receiver gets the webhooks, which
this client's verifier checks with the secret the server returned."""

import datetime
import http.server
import json
import queue
import threading
import time
import uuid

import pytest

import kcid
from kcid import v1


@pytest.fixture(scope="module")
def client(server):
    with kcid.connect(server.grpc_target, api_key=server.api_key) as c:
        yield c


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: "queue.Queue" = queue.Queue()

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.put((dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST  # noqa: N815  (postbacks)

    def log_message(self, *args):
        pass


@pytest.fixture()
def receiver():
    handler = type("Receiver", (_Receiver,), {"received": queue.Queue()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:{}/kcid".format(httpd.server_address[1]), handler.received
    httpd.shutdown()
    httpd.server_close()


def _await_webhook(received, prefix, seconds=20.0):
    """The next request whose webhook-id starts with prefix."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail("the receiver got no webhook {}… within {} s".format(prefix, seconds))
        try:
            headers, body = received.get(timeout=left)
        except queue.Empty:
            continue
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("webhook-id", "").startswith(prefix):
            return headers, body


def _reason(call):
    with pytest.raises(kcid.KcidError) as refused:
        call()
    return refused.value.reason


def test_destinations_created_refused_read_updated_paused_rotated_and_deleted(client, receiver):
    url, _ = receiver
    account_id = "py-dst-" + uuid.uuid4().hex[:8]
    client.admin.CreateAccount(v1.CreateAccountRequest(account_id=account_id))
    webhook = client.create_webhook(url, account_id=account_id, destination_id="hooks")
    secret = webhook.signing_secret
    assert (webhook.destination.destination_id, webhook.destination.account_id, webhook.destination.kind) == (
        "hooks", account_id, v1.DESTINATION_KIND_WEBHOOK)
    assert secret.startswith("whsec_")
    kcid.WebhookVerifier([secret])
    assert _reason(lambda: client.create_webhook(url, account_id=account_id, destination_id="hooks")) == "DESTINATION_ALREADY_EXISTS"
    # Postbacks to the same loopback receiver: its address resolves and is allowed.
    postback_base = url[: -len("/kcid")] + "/pb"
    with pytest.raises(kcid.KcidError) as refused:
        client.create_postback(postback_base + "?cid={no_such_macro}", account_id=account_id)
    assert refused.value.reason == "INVALID_PARAMETER" and "no_such_macro" in refused.value.message
    assert _reason(lambda: client.create_postback("http://169.254.169.254/pb?cid={s1}", account_id=account_id)) == "DESTINATION_ADDRESS_FORBIDDEN"
    postback = client.create_postback(
        postback_base + "?cid={s1}&txid={txid}&status={status}", account_id=account_id, destination_id="tracker"
    ).destination
    assert postback.kind == v1.DESTINATION_KIND_POSTBACK
    assert _reason(lambda: client.get_destination("no-such-destination", account_id=account_id)) == "DESTINATION_NOT_FOUND"
    assert client.get_destination("hooks", account_id=account_id).url == url
    assert sorted(d.destination_id for d in client.list_destinations(account_id=account_id)) == ["hooks", "tracker"]

    updated = client.update_destination("tracker", account_id=account_id, status_map={"approved": "1", "rejected": "2"})
    assert dict(updated.status_map) == {"approved": "1", "rejected": "2"}
    assert client.pause_destination("hooks", account_id=account_id).paused
    assert client.get_destination("hooks", account_id=account_id).paused
    assert not client.resume_destination("hooks", account_id=account_id).paused
    rotated = client.rotate_destination_secret("hooks", account_id=account_id, grace_period=datetime.timedelta(hours=1))
    assert rotated.signing_secret.startswith("whsec_") and rotated.signing_secret != secret
    assert rotated.HasField("previous_secret_expire_time")
    assert _reason(lambda: client.rotate_destination_secret("tracker", account_id=account_id)) == "INVALID_PARAMETER"

    # A partner's destination applies to its accounts: listed with the account's, marked by its owner.
    partner_id = "py-dst-partner-" + uuid.uuid4().hex[:8]
    client.create_partner("Python destinations", partner_id=partner_id)
    member = client.create_account(account_id="py-dst-member-" + uuid.uuid4().hex[:8], partner_id=partner_id).account.account_id
    agency = client.create_webhook(url, partner_id=partner_id, destination_id="agency-hooks").destination
    assert (agency.partner_id, agency.account_id) == (partner_id, "")
    inherited = client.list_destinations(account_id=member)
    assert [(d.destination_id, d.partner_id) for d in inherited] == [("agency-hooks", partner_id)]
    client.delete_destination("agency-hooks", partner_id=partner_id)

    for destination_id in ("hooks", "tracker"):
        client.delete_destination(destination_id, account_id=account_id)
    assert _reason(lambda: client.get_destination("hooks", account_id=account_id)) == "DESTINATION_NOT_FOUND"
    assert _reason(lambda: client.delete_destination("hooks", account_id=account_id)) == "DESTINATION_NOT_FOUND"
    assert client.list_destinations(account_id=account_id) == []


def test_webhooks_are_verified_logged_previewed_and_doubly_signed_after_a_rotation(client, receiver):
    url, received = receiver
    account_id = "py-dlv-" + uuid.uuid4().hex[:8]
    created = client.admin.CreateAccount(v1.CreateAccountRequest(account_id=account_id))
    secret = client.create_webhook(url, account_id=account_id, destination_id="hooks").signing_secret
    verifier = kcid.WebhookVerifier([secret])

    # A test webhook, signed: the verifier accepts it.
    tested = client.test_destination("hooks", account_id=account_id)
    assert tested.attempt.status_code == 200 and tested.request_url == url
    headers, body = _await_webhook(received, "test_")
    verifier.verify(headers, body)
    assert json.loads(body)["data"]["test"] is True

    # A recorded conversion reaches the receiver as a verified webhook.
    click = client.clicks.IssueClick(v1.IssueClickRequest(account_id=account_id, campaign_id="spring")).click
    accepted = client.conversions.RecordConversion(
        v1.RecordConversionRequest(
            kcid=click.kcid,
            value=v1.Money(amount="12.50", currency_code="EUR"),
            credentials=v1.PostbackCredentials(token=created.secrets.postback_token),
        )
    )
    assert accepted.outcome == v1.OUTCOME_ACCEPTED
    headers, body = _await_webhook(received, "dlv_")
    verifier.verify(headers, body)
    event = json.loads(body)
    delivery_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
    assert event["type"] == "conversion.recorded"
    assert (event["data"]["conversion_id"], event["data"]["kcid"], event["data"]["account_id"], event["data"]["delivery_id"]) == (
        accepted.conversion_id, click.kcid, account_id, delivery_id)

    # The delivery log shows it delivered (the log is written after the answer: poll a moment).
    deadline = time.monotonic() + 10
    while True:
        found = [d for d in client.iter_deliveries(account_id, page_size=1) if d.delivery_id == delivery_id]
        if (found and found[0].state == v1.DELIVERY_STATE_DELIVERED) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found and found[0].state == v1.DELIVERY_STATE_DELIVERED, found
    assert found[0].destination_id == "hooks" and found[0].conversion_id == accepted.conversion_id
    assert found[0].attempts and found[0].attempts[-1].status_code == 200
    assert client.preview_redeliver(account_id, delivery_id=delivery_id, include_delivered=True) == [delivery_id]
    assert list(client.iter_deliveries(account_id, failed_only=True)) == []

    # After a rotation the webhook carries two signatures; either secret verifies it.
    rotated = client.rotate_destination_secret("hooks", account_id=account_id, grace_period=datetime.timedelta(hours=1))
    client.test_destination("hooks", account_id=account_id)
    headers, body = _await_webhook(received, "test_")
    assert len({k.lower(): v for k, v in headers.items()}["webhook-signature"].split()) == 2
    for s in (rotated.signing_secret, secret):
        kcid.WebhookVerifier([s]).verify(headers, body)
