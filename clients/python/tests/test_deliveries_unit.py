"""The requests the destination and delivery-log calls build, the page-following of
iter_deliveries, and a refusal's reason, against an in-process fake DeliveryService."""

import datetime
from concurrent import futures

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

import kcid
from kcid import v1
from kcid._gen.tracking.v1 import delivery_service_pb2_grpc

UTC = datetime.timezone.utc


class FakeDeliveries(delivery_service_pb2_grpc.DeliveryServiceServicer):
    def __init__(self):
        self.requests = []

    def last(self):
        return self.requests[-1]

    def CreateDestination(self, request, context):
        self.requests.append(request)
        return v1.CreateDestinationResponse(
            destination=v1.Destination(destination_id=request.destination_id or "generated", kind=request.kind),
            signing_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )

    def GetDestination(self, request, context):
        self.requests.append(request)
        if request.destination_id == "gone":
            detail = any_pb2.Any()
            detail.Pack(error_details_pb2.ErrorInfo(reason="DESTINATION_NOT_FOUND", domain=kcid.ERROR_DOMAIN))
            context.abort_with_status(
                rpc_status.to_status(status_pb2.Status(code=code_pb2.NOT_FOUND, message="no destination gone", details=[detail]))
            )
        return v1.GetDestinationResponse(destination=v1.Destination(destination_id=request.destination_id))

    def ListDestinations(self, request, context):
        self.requests.append(request)
        return v1.ListDestinationsResponse(
            destinations=[v1.Destination(destination_id="own"), v1.Destination(destination_id="inherited", partner_id="agency-one")]
        )

    def UpdateDestination(self, request, context):
        self.requests.append(request)
        return v1.UpdateDestinationResponse(destination=v1.Destination(destination_id=request.destination_id, paused=request.paused))

    def DeleteDestination(self, request, context):
        self.requests.append(request)
        return v1.DeleteDestinationResponse()

    def TestDestination(self, request, context):
        self.requests.append(request)
        return v1.TestDestinationResponse(attempt=v1.DeliveryAttempt(status_code=204), request_url="https://hooks.example/kcid")

    def RotateDestinationSecret(self, request, context):
        self.requests.append(request)
        return v1.RotateDestinationSecretResponse(signing_secret="whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")

    def ListDeliveries(self, request, context):
        self.requests.append(request)
        page = {"": ("dlv_b", "p2"), "p2": ("dlv_a", "")}[request.page_token]
        return v1.ListDeliveriesResponse(deliveries=[v1.Delivery(delivery_id=page[0])], next_page_token=page[1])

    def Redeliver(self, request, context):
        self.requests.append(request)
        return v1.RedeliverResponse(delivery_ids=["dlv_a"], dry_run=request.dry_run)


@pytest.fixture()
def fake():
    deliveries = FakeDeliveries()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    delivery_service_pb2_grpc.add_DeliveryServiceServicer_to_server(deliveries, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with kcid.connect("127.0.0.1:{}".format(port)) as client:
        yield client, deliveries
    server.stop(None)


def test_create_webhook_and_postback(fake):
    client, recorder = fake
    created = client.create_webhook("https://hooks.example/kcid", account_id="acme", destination_id="hooks")
    assert created.signing_secret.startswith("whsec_")
    kcid.WebhookVerifier([created.signing_secret])  # a secret the verifier takes
    assert recorder.last() == v1.CreateDestinationRequest(
        account_id="acme", destination_id="hooks", kind=v1.DESTINATION_KIND_WEBHOOK, url="https://hooks.example/kcid"
    )
    client.create_postback(
        "https://t.example/pb?cid={s1}&status={status}",
        partner_id="agency-one",
        goal_keys=["purchase"],
        triggers=[v1.DELIVERY_TRIGGER_APPROVED],
        status_map={"approved": "1"},
    )
    assert recorder.last() == v1.CreateDestinationRequest(
        partner_id="agency-one",
        kind=v1.DESTINATION_KIND_POSTBACK,
        url="https://t.example/pb?cid={s1}&status={status}",
        goal_keys=["purchase"],
        triggers=[v1.DELIVERY_TRIGGER_APPROVED],
        status_map={"approved": "1"},
    )


def test_get_and_list_destinations_and_a_refusal(fake):
    client, recorder = fake
    assert client.get_destination("pb", partner_id="agency-one").destination_id == "pb"
    assert recorder.last() == v1.GetDestinationRequest(partner_id="agency-one", destination_id="pb")
    with pytest.raises(kcid.KcidError) as refused:
        client.get_destination("gone", account_id="acme")
    assert (refused.value.reason, refused.value.code) == ("DESTINATION_NOT_FOUND", grpc.StatusCode.NOT_FOUND)
    listed = client.list_destinations(account_id="acme")
    assert [d.destination_id for d in listed] == ["own", "inherited"] and listed[1].partner_id == "agency-one"
    assert recorder.last() == v1.ListDestinationsRequest(account_id="acme")


def test_update_sends_only_what_is_given_and_replaces_lists(fake):
    client, recorder = fake
    assert client.pause_destination("hooks", account_id="acme").paused
    sent = recorder.last()
    assert sent.HasField("paused") and sent.paused and not sent.HasField("url") and not sent.replace_goal_keys
    client.resume_destination("hooks", account_id="acme")
    sent = recorder.last()
    assert sent.HasField("paused") and not sent.paused
    client.update_destination("hooks", partner_id="agency-one", url="https://hooks.example/v2", goal_keys=[], status_map={"rejected": "2"})
    assert recorder.last() == v1.UpdateDestinationRequest(
        partner_id="agency-one",
        destination_id="hooks",
        url="https://hooks.example/v2",
        replace_goal_keys=True,
        replace_status_map=True,
        status_map={"rejected": "2"},
    )


def test_delete_test_and_rotate(fake):
    client, recorder = fake
    assert client.delete_destination("hooks", account_id="acme") is None
    assert recorder.last() == v1.DeleteDestinationRequest(account_id="acme", destination_id="hooks")
    assert client.test_destination("hooks", account_id="acme").attempt.status_code == 204
    assert recorder.last() == v1.TestDestinationRequest(account_id="acme", destination_id="hooks")
    client.rotate_destination_secret("hooks", account_id="acme")
    assert not recorder.last().HasField("grace_period")
    client.rotate_destination_secret("hooks", account_id="acme", grace_period=datetime.timedelta(hours=1))
    assert recorder.last().grace_period.seconds == 3600


def test_iter_deliveries_follows_page_tokens_with_the_filters(fake):
    client, recorder = fake
    ids = [d.delivery_id for d in client.iter_deliveries("acme", failed_only=True, destination_id="hooks", page_size=1)]
    assert ids == ["dlv_b", "dlv_a"]
    assert recorder.last() == v1.ListDeliveriesRequest(
        account_id="acme", failed_only=True, destination_id="hooks", page_size=1, page_token="p2"
    )


def test_preview_redeliver_is_a_dry_run_and_redeliver_is_not(fake):
    client, recorder = fake
    start = datetime.datetime(2026, 12, 1, tzinfo=UTC)
    assert client.preview_redeliver("acme", destination_id="hooks", start_time=start) == ["dlv_a"]
    sent = recorder.last()
    assert sent.dry_run and sent.destination_id == "hooks" and sent.start_time.ToDatetime(tzinfo=UTC) == start
    assert client.redeliver("acme", delivery_id="dlv_a", include_delivered=True) == ["dlv_a"]
    assert recorder.last() == v1.RedeliverRequest(account_id="acme", delivery_id="dlv_a", include_delivered=True)
