"""The requests the partner, account, scoped-key, caller and partner-stats calls build, and the
page-following of iter_partners/iter_accounts, against an in-process fake server."""

import datetime
from concurrent import futures

import grpc
import pytest

import kcid
from kcid import v1
from kcid._gen.tracking.v1 import admin_service_pb2_grpc, partner_service_pb2_grpc, report_service_pb2_grpc

UTC = datetime.timezone.utc


class Recorder:
    def __init__(self):
        self.requests = []

    def last(self):
        return self.requests[-1]


class FakePartners(partner_service_pb2_grpc.PartnerServiceServicer):
    def __init__(self, recorder):
        self.recorder = recorder

    def CreatePartner(self, request, context):
        self.recorder.requests.append(request)
        return v1.CreatePartnerResponse(partner=v1.Partner(partner_id=request.partner_id or "derived"))

    def ListPartners(self, request, context):
        self.recorder.requests.append(request)
        page = {"": ("agency-one", "a"), "a": ("agency-two", "")}[request.page_token]
        return v1.ListPartnersResponse(partners=[v1.Partner(partner_id=page[0])], next_page_token=page[1])

    def UpdatePartner(self, request, context):
        self.recorder.requests.append(request)
        return v1.UpdatePartnerResponse(partner=v1.Partner(partner_id=request.partner_id))

    def DeletePartner(self, request, context):
        self.recorder.requests.append(request)
        return v1.DeletePartnerResponse(deleted_account_ids=["shoes", "socks"])


class FakeAdmin(admin_service_pb2_grpc.AdminServiceServicer):
    def __init__(self, recorder):
        self.recorder = recorder

    def CreateAccount(self, request, context):
        self.recorder.requests.append(request)
        return v1.CreateAccountResponse(account=v1.Account(account_id="shoes"))

    def UpdateAccount(self, request, context):
        self.recorder.requests.append(request)
        return v1.UpdateAccountResponse(account=v1.Account(account_id=request.account_id))

    def ListAccounts(self, request, context):
        self.recorder.requests.append(request)
        page = {"": ("shoes", "s"), "s": ("socks", "")}[request.page_token]
        return v1.ListAccountsResponse(accounts=[v1.Account(account_id=page[0])], next_page_token=page[1])

    def CreateApiKey(self, request, context):
        self.recorder.requests.append(request)
        return v1.CreateApiKeyResponse(secret="s3cret")

    def GetCaller(self, request, context):
        self.recorder.requests.append(request)
        return v1.GetCallerResponse(api_key=v1.ApiKey(name="agency-admin", partner_id="agency-one"))


class FakeReports(report_service_pb2_grpc.ReportServiceServicer):
    def __init__(self, recorder):
        self.recorder = recorder

    def GetStats(self, request, context):
        self.recorder.requests.append(request)
        return v1.GetStatsResponse()


@pytest.fixture()
def fake():
    recorder = Recorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    partner_service_pb2_grpc.add_PartnerServiceServicer_to_server(FakePartners(recorder), server)
    admin_service_pb2_grpc.add_AdminServiceServicer_to_server(FakeAdmin(recorder), server)
    report_service_pb2_grpc.add_ReportServiceServicer_to_server(FakeReports(recorder), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with kcid.connect("127.0.0.1:{}".format(port)) as client:
        yield client, recorder
    server.stop(None)


def test_create_and_update_partner_send_only_what_is_given(fake):
    client, recorder = fake
    assert client.create_partner("Agency One").partner_id == "derived"
    sent = recorder.last()
    assert sent.display_name == "Agency One" and not sent.HasField("s2s_active") and not sent.HasField("defaults")
    client.create_partner("Off", partner_id="off", s2s_active=False, defaults=v1.PartnerDefaults(currency_code="EUR"))
    sent = recorder.last()
    assert sent.HasField("s2s_active") and not sent.s2s_active and sent.defaults.currency_code == "EUR"

    client.update_partner("agency-one", s2s_active=False)
    sent = recorder.last()
    assert sent == v1.UpdatePartnerRequest(partner_id="agency-one", s2s_active=False)
    assert sent.HasField("s2s_active") and not sent.HasField("display_name")


def test_iter_partners_follows_page_tokens_lazily(fake):
    client, recorder = fake
    assert [p.partner_id for p in client.iter_partners(page_size=1)] == ["agency-one", "agency-two"]
    assert recorder.last() == v1.ListPartnersRequest(page_size=1, page_token="a")
    before = len(recorder.requests)
    assert next(client.iter_partners()).partner_id == "agency-one"
    assert len(recorder.requests) == before + 1


def test_delete_partner_with_cascade_returns_the_deleted_accounts(fake):
    client, recorder = fake
    assert client.delete_partner("agency-one", cascade=True) == ["shoes", "socks"]
    assert recorder.last() == v1.DeletePartnerRequest(partner_id="agency-one", cascade=True)


def test_create_account_under_a_partner_with_a_request_id(fake):
    client, recorder = fake
    client.create_account("Shoes", account_id="shoes", partner_id="agency-one", time_zone="Europe/Berlin",
                          currency_code="EUR")
    sent = recorder.last()
    assert (sent.account_id, sent.display_name, sent.partner_id, sent.time_zone, sent.currency_code) == (
        "shoes", "Shoes", "agency-one", "Europe/Berlin", "EUR")
    assert len(sent.request_id) == 32, "a fresh request id makes a retried create safe"
    client.create_account("Shoes", account_id="shoes", request_id="")
    assert recorder.last().request_id == ""
    client.create_account("Generated id")
    assert recorder.last().request_id == "", "the server takes a request id only with an account id"


def test_update_account_moves_it_and_sets_time_zone_and_currency(fake):
    client, recorder = fake
    client.update_account("shoes", partner_id="agency-two", time_zone="UTC", currency_code="USD")
    sent = recorder.last()
    assert sent.HasField("partner_id") and sent.partner_id == "agency-two"
    assert sent.time_zone == "UTC" and sent.currency_code == "USD" and not sent.HasField("display_name")


def test_iter_accounts_of_a_partner(fake):
    client, recorder = fake
    assert [a.account_id for a in client.iter_accounts(partner_id="agency-one")] == ["shoes", "socks"]
    assert recorder.last() == v1.ListAccountsRequest(partner_id="agency-one", page_token="s")


def test_create_api_key_with_a_scope(fake):
    client, recorder = fake
    assert client.create_api_key("agency", [v1.API_KEY_ROLE_ADMIN], partner_id="agency-one").secret == "s3cret"
    assert recorder.last() == v1.CreateApiKeyRequest(name="agency", roles=[v1.API_KEY_ROLE_ADMIN], partner_id="agency-one")
    client.create_api_key("shop", [v1.API_KEY_ROLE_ISSUE], account_id="shoes")
    assert recorder.last() == v1.CreateApiKeyRequest(name="shop", roles=[v1.API_KEY_ROLE_ISSUE], account_id="shoes")


def test_caller_is_the_calling_key(fake):
    client, recorder = fake
    me = client.caller()
    assert (me.name, me.partner_id) == ("agency-admin", "agency-one")
    assert recorder.last() == v1.GetCallerRequest()


def test_partner_stats_group_by_account_unless_told_otherwise(fake):
    client, recorder = fake
    start = datetime.datetime(2026, 11, 1, tzinfo=UTC)
    client.get_partner_stats("agency-one", start)
    sent = recorder.last()
    assert sent.partner_id == "agency-one" and sent.account_id == ""
    assert list(sent.group_by) == [v1.STATS_DIMENSION_ACCOUNT]
    assert sent.start_time.ToDatetime(tzinfo=UTC) == start and not sent.HasField("end_time")
    client.get_partner_stats("agency-one", start, group_by=[v1.STATS_DIMENSION_DAY], time_zone="Europe/Berlin")
    assert list(recorder.last().group_by) == [v1.STATS_DIMENSION_DAY] and recorder.last().time_zone == "Europe/Berlin"
