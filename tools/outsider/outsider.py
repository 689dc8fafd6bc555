"""A kcid client that nobody here wrote: code generated from proto/ by grpcio-tools, plus the
standard grpcio-status and grpcio-reflection packages. Run by tools/outsider/test.sh against a real
`kcid up` with KCID_AUTH=required; every step fails loudly (exit 1) if kcid does not behave as its
proto and docs say.

usage: outsider.py GEN_DIR HOST:PORT API_KEY
"""

import sys
import uuid

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402

from kcid.tracking.v1 import (  # noqa: E402
    admin_service_pb2,
    admin_service_pb2_grpc,
    click_service_pb2,
    click_service_pb2_grpc,
    conversion_service_pb2,
    conversion_service_pb2_grpc,
    partner_service_pb2,
    partner_service_pb2_grpc,
)

TARGET, KEY = sys.argv[2], sys.argv[3]
AUTH = (("authorization", "Bearer " + KEY),)
passed = 0


def check(condition, what):
    global passed
    if not condition:
        print("outsider: %d passed, 1 failed" % passed, file=sys.stderr)
        print("outsider: FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    passed += 1
    print("outsider: ok: " + what)


def error_info(error):
    """The google.rpc.ErrorInfo in a refusal's grpc-status-details-bin trailer."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info
    return None


def main():
    channel = grpc.insecure_channel(TARGET)
    grpc.channel_ready_future(channel).result(timeout=30)

    admin = admin_service_pb2_grpc.AdminServiceStub(channel)
    account = admin.CreateAccount(admin_service_pb2.CreateAccountRequest(), metadata=AUTH, timeout=10).account
    check(account.account_id != "", "created account " + account.account_id)

    clicks = click_service_pb2_grpc.ClickServiceStub(channel)
    click = clicks.IssueClick(
        click_service_pb2.IssueClickRequest(account_id=account.account_id, campaign_id="outsider"),
        metadata=AUTH, timeout=10).click
    check(len(click.kcid) == 32, "issued a click, kcid " + click.kcid)

    conversions = conversion_service_pb2_grpc.ConversionServiceStub(channel)
    recorded = conversions.RecordConversion(
        conversion_service_pb2.RecordConversionRequest(
            account_id=account.account_id, kcid=click.kcid, goal_key=account.default_goal_key,
            transaction_id="outsider-" + uuid.uuid4().hex),
        metadata=AUTH, timeout=10)
    outcome = recorded.DESCRIPTOR.fields_by_name["outcome"].enum_type.values_by_number[recorded.outcome].name
    check(outcome == "OUTCOME_ACCEPTED" and recorded.conversion_id != "",
          "recorded a conversion, " + recorded.conversion_id + " " + outcome)

    # A refusal: no API key. Its reason is in the ErrorInfo of the trailing metadata.
    try:
        clicks.IssueClick(
            click_service_pb2.IssueClickRequest(account_id=account.account_id, campaign_id="outsider"), timeout=10)
        check(False, "a call without an API key is refused")
    except grpc.RpcError as error:
        info = error_info(error)
        check(error.code() == grpc.StatusCode.UNAUTHENTICATED, "refused without a key: " + str(error.code()))
        check(info is not None and info.reason == "API_KEY_INVALID" and info.domain == "tracking.kcid.io",
              "ErrorInfo reason " + (info.reason if info else "missing"))

    # A key scoped to a partner: its own account is in reach, the first account (default partner) not.
    partners = partner_service_pb2_grpc.PartnerServiceStub(channel)
    partner_id = "outsider-" + uuid.uuid4().hex[:12]
    partners.CreatePartner(partner_service_pb2.CreatePartnerRequest(partner_id=partner_id, display_name="Outsider"),
                           metadata=AUTH, timeout=10)
    created = admin.CreateApiKey(admin_service_pb2.CreateApiKeyRequest(
        name=partner_id + "-admin", roles=[admin_service_pb2.API_KEY_ROLE_ADMIN], partner_id=partner_id),
        metadata=AUTH, timeout=10)
    scoped = (("authorization", "Bearer " + created.secret),)
    caller = admin.GetCaller(admin_service_pb2.GetCallerRequest(), metadata=scoped, timeout=10).api_key
    check(caller.partner_id == partner_id and caller.account_id == "", "GetCaller names the scope partner " + partner_id)
    own = admin.CreateAccount(admin_service_pb2.CreateAccountRequest(partner_id=partner_id), metadata=scoped,
                              timeout=10).account
    listed = admin.ListAccounts(admin_service_pb2.ListAccountsRequest(page_size=1000), metadata=scoped, timeout=10)
    check([a.account_id for a in listed.accounts] == [own.account_id], "a partner key lists only its own accounts")
    try:
        admin.GetAccount(admin_service_pb2.GetAccountRequest(account_id=account.account_id), metadata=scoped, timeout=10)
        check(False, "a partner key is refused another partner's account")
    except grpc.RpcError as error:
        info = error_info(error)
        check(error.code() == grpc.StatusCode.PERMISSION_DENIED and info is not None
              and info.reason == "API_KEY_SCOPE_DENIED" and info.metadata["scope"] == "partner:" + partner_id,
              "refused outside its scope: " + str(error.code()) + " " + (info.reason if info else "no ErrorInfo"))

    # Reflection as grpcio-reflection's client speaks it: v1alpha.
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = list(reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10))
    services = sorted(s.name for s in answers[0].list_services_response.service)
    check("kcid.tracking.v1.ConversionService" in services and "grpc.reflection.v1alpha.ServerReflection" in services,
          "v1alpha reflection lists " + ", ".join(services))
    channel.close()
    print("outsider: %d passed, 0 failed" % passed)


if __name__ == "__main__":
    main()
