"""The hand-written layer against an in-process fake server: API key metadata, error
translation from google.rpc.Status details, and the service config's retries."""

from concurrent import futures

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

import kcid
from kcid import v1
from kcid._gen.tracking.v1 import click_service_pb2_grpc


class FakeClicks(click_service_pb2_grpc.ClickServiceServicer):
    def __init__(self):
        self.metadata = []
        self.unavailable_left = 0
        self.calls = 0

    def InspectKcid(self, request, context):
        self.calls += 1
        self.metadata.append(dict(context.invocation_metadata()))
        if self.unavailable_left > 0:
            self.unavailable_left -= 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        if request.kcid == "bad":
            info = error_details_pb2.ErrorInfo(
                reason="KCID_TOO_SHORT", domain="tracking.kcid.io", metadata={"length": "3"}
            )
            detail = any_pb2.Any()
            detail.Pack(info)
            context.abort_with_status(rpc_status.to_status(status_pb2.Status(
                code=code_pb2.INVALID_ARGUMENT, message="kcid is too short", details=[detail])))
        if request.kcid == "plain":
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "no details")
        return v1.InspectKcidResponse(valid=True, normalized_kcid=request.kcid)


@pytest.fixture()
def fake():
    servicer = FakeClicks()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    click_service_pb2_grpc.add_ClickServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, "127.0.0.1:{}".format(port)
    server.stop(None)


def test_api_key_is_sent_as_bearer(fake):
    servicer, target = fake
    with kcid.connect(target, api_key="k-123") as client:
        assert client.clicks.InspectKcid(v1.InspectKcidRequest(kcid="x")).valid
    assert servicer.metadata[-1]["authorization"] == "Bearer k-123"


def test_no_api_key_no_authorization(fake):
    servicer, target = fake
    with kcid.connect(target) as client:
        client.clicks.InspectKcid(v1.InspectKcidRequest(kcid="x"))
    assert "authorization" not in servicer.metadata[-1]


def test_error_info_becomes_kcid_error(fake):
    _, target = fake
    with kcid.connect(target) as client:
        with pytest.raises(kcid.KcidError) as caught:
            client.clicks.InspectKcid(v1.InspectKcidRequest(kcid="bad"))
    err = caught.value
    assert err.reason == "KCID_TOO_SHORT"
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.message == "kcid is too short"
    assert err.domain == kcid.ERROR_DOMAIN
    assert err.metadata == {"length": "3"}
    assert isinstance(err, grpc.RpcError)
    assert "KCID_TOO_SHORT" in str(err)


def test_error_without_details_has_empty_reason(fake):
    _, target = fake
    with kcid.connect(target) as client:
        with pytest.raises(kcid.KcidError) as caught:
            client.clicks.InspectKcid(v1.InspectKcidRequest(kcid="plain"))
    assert caught.value.reason == ""
    assert caught.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert caught.value.message == "no details"


def test_with_call_and_future_translate_too(fake):
    _, target = fake
    with kcid.connect(target) as client:
        response, call = client.clicks.InspectKcid.with_call(v1.InspectKcidRequest(kcid="x"))
        assert response.valid and call.code() == grpc.StatusCode.OK
        future = client.clicks.InspectKcid.future(v1.InspectKcidRequest(kcid="bad"))
        assert isinstance(future.exception(), kcid.KcidError)
        with pytest.raises(kcid.KcidError) as caught:
            future.result()
        assert caught.value.reason == "KCID_TOO_SHORT"


def test_service_config_retries_unavailable(fake):
    servicer, target = fake
    servicer.unavailable_left = 2
    with kcid.connect(target) as client:
        assert client.clicks.InspectKcid(v1.InspectKcidRequest(kcid="x")).valid
    assert servicer.calls == 3


def test_without_service_config_unavailable_is_not_retried(fake):
    # Control for the test above: the retry comes from kcid's service config.
    servicer, target = fake
    servicer.unavailable_left = 1
    with grpc.insecure_channel(target) as channel:
        stub = click_service_pb2_grpc.ClickServiceStub(channel)
        with pytest.raises(grpc.RpcError):
            stub.InspectKcid(v1.InspectKcidRequest(kcid="x"))
    assert servicer.calls == 1


def test_unreachable_server_is_a_kcid_error():
    with kcid.connect("127.0.0.1:1") as client:
        with pytest.raises(kcid.KcidError) as caught:
            client.clicks.InspectKcid(v1.InspectKcidRequest(kcid="x"), timeout=2)
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert caught.value.reason == ""


def test_tls_channel_can_be_built_without_dialling(tmp_path):
    client = kcid.connect("localhost:1", tls=True, api_key="k")
    client.close()
