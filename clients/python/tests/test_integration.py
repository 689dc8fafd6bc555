"""The walkthrough against a live kcid (see conftest.server)."""

import http.client
import json
import re
import time
import urllib.parse
import uuid

import grpc
import pytest

import kcid
from kcid import postback, signing, v1

KCID_RE = re.compile(r"^[0-9a-hjkmnp-tv-z]{32}$")


@pytest.fixture(scope="module")
def client(server):
    with kcid.connect(server.grpc_target, api_key=server.api_key) as c:
        yield c


@pytest.fixture(scope="module")
def account(client):
    account_id = "py-" + uuid.uuid4().hex[:12]
    created = client.admin.CreateAccount(
        v1.CreateAccountRequest(account_id=account_id, display_name="Python client test")
    )
    assert created.account.account_id == account_id
    assert created.secrets.postback_token and created.secrets.click_secret
    assert created.secrets.postback_signing_secret
    return created


def _get_without_redirect(url):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path + "?" + parts.query)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def test_signed_click_url_redirects_with_a_kcid(server, account):
    url = signing.signed_url(
        server.edge_url,
        {
            "a": account.account.account_id,
            "c": "spring-sale",
            "s1": "pub 42/ä",
            "u": "https://shop.example/landing?ref=ad",
        },
        account.secrets.click_secret,
    )
    status, location = _get_without_redirect(url)
    assert status == 302, location
    assert location.startswith("https://shop.example/landing?ref=ad&")
    assert re.search(r"[?&]kcid=[0-9a-z]{32}(?:&|#|$)", location), location


def test_tampered_click_url_is_refused(server, account):
    url = signing.signed_url(
        server.edge_url,
        {"a": account.account.account_id, "c": "spring-sale", "u": "https://shop.example/"},
        account.secrets.click_secret,
    )
    status, location = _get_without_redirect(url.replace("spring", "autumn"))
    assert status == 400 and location is None


def test_issue_click_and_record_conversion(client, account):
    click = client.clicks.IssueClick(
        v1.IssueClickRequest(account_id=account.account.account_id, campaign_id="spring-sale")
    ).click
    assert KCID_RE.match(click.kcid), click.kcid

    request = v1.RecordConversionRequest(
        kcid=click.kcid,
        transaction_id="order-1001",
        value=v1.Money(amount="49.90", currency_code="EUR"),
        credentials=v1.PostbackCredentials(token=account.secrets.postback_token),
    )
    first = client.conversions.RecordConversion(request)
    assert first.outcome == v1.OUTCOME_ACCEPTED
    assert first.conversion_id

    again = client.conversions.RecordConversion(request)
    assert again.outcome == v1.OUTCOME_DUPLICATE
    assert again.conversion_id == first.conversion_id
    assert again.duplicate_reason != v1.ERROR_REASON_UNSPECIFIED


def test_issue_clicks_answers_each_item(client, account):
    answer = client.clicks.IssueClicks(
        v1.IssueClicksRequest(
            items=[
                v1.IssueClickRequest(account_id=account.account.account_id, campaign_id="batch"),
                v1.IssueClickRequest(account_id=account.account.account_id, campaign_id=""),
            ]
        )
    )
    assert [result.index for result in answer.results] == [0, 1]
    assert KCID_RE.match(answer.results[0].response.click.kcid)
    assert answer.results[1].WhichOneof("result") == "error"
    assert answer.results[1].error.reason == v1.ERROR_REASON_MISSING_PARAMETER


def test_tampered_kcid_is_mac_mismatch(client, account):
    good = client.clicks.IssueClick(
        v1.IssueClickRequest(account_id=account.account.account_id, campaign_id="c1")
    ).click.kcid
    c = good[20]
    bad = good[:20] + ("0" if c != "0" else "1") + good[21:]
    with pytest.raises(kcid.KcidError) as caught:
        client.conversions.RecordConversion(
            v1.RecordConversionRequest(
                kcid=bad, credentials=v1.PostbackCredentials(token=account.secrets.postback_token)
            )
        )
    assert caught.value.reason == "KCID_MAC_MISMATCH"
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.message


def _post_json(url, body, signature_header):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(
            "POST",
            parts.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                postback.POSTBACK_SIGNATURE_HEADER: signature_header,
            },
        )
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw)
    finally:
        conn.close()


def test_signed_postback_on_the_edge(server, client):
    created = client.admin.CreateAccount(
        v1.CreateAccountRequest(
            account_id="py-sig-" + uuid.uuid4().hex[:12], display_name="Python signed postbacks"
        )
    )
    account_id = created.account.account_id
    signing_secret = created.secrets.postback_signing_secret
    assert signing_secret
    client.admin.UpdateAccount(
        v1.UpdateAccountRequest(
            account_id=account_id,
            postback_auth=v1.PostbackAuth(methods=[v1.POSTBACK_AUTH_METHOD_SIGNATURE]),
        )
    )
    click = client.clicks.IssueClick(
        v1.IssueClickRequest(account_id=account_id, campaign_id="spring-sale")
    ).click
    edge_port = urllib.parse.urlsplit(server.edge_url).port
    url = "http://127.0.0.1:{}/postback".format(edge_port)
    body = json.dumps({"kcid": click.kcid}, separators=(",", ":")).encode("utf-8")

    # The server's account cache may be up to 1 s stale after UpdateAccount: retry for ~3 s.
    deadline = time.monotonic() + 3
    while True:
        header = postback.postback_signature_header(signing_secret, payload=body)
        status, answer = _post_json(url, body, header)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 200, answer
    assert answer["status"] == "accepted", answer

    header = postback.postback_signature_header(signing_secret, payload=body)
    changed = body.replace(b'":"', b'": "', 1)  # one space added after signing
    assert changed != body
    status, answer = _post_json(url, changed, header)
    assert status == 401, answer
    assert answer["reason"] == "POSTBACK_SIGNATURE_INVALID", answer


def test_unknown_account_is_account_not_found(client):
    with pytest.raises(kcid.KcidError) as caught:
        client.clicks.IssueClick(
            v1.IssueClickRequest(account_id="nobody-" + uuid.uuid4().hex[:8], campaign_id="c1")
        )
    assert caught.value.reason == "ACCOUNT_NOT_FOUND"
    assert caught.value.code == grpc.StatusCode.NOT_FOUND


def test_without_an_api_key_the_server_refuses(server):
    with kcid.connect(server.grpc_target) as anonymous:
        with pytest.raises(kcid.KcidError) as caught:
            anonymous.clicks.IssueClick(v1.IssueClickRequest(account_id="anyone", campaign_id="c1"))
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.reason == "API_KEY_INVALID"


def test_example_walkthrough_runs(server, capsys):
    import importlib.util

    from conftest import CLIENT_DIR

    spec = importlib.util.spec_from_file_location(
        "walkthrough", CLIENT_DIR / "examples" / "walkthrough.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(server.grpc_target, server.edge_url, server.api_key)
    out = capsys.readouterr().out
    print(out)  # shown with pytest -rP
    assert "partner       demo-agency-" in out
    assert "OUTCOME_ACCEPTED" in out and "OUTCOME_DUPLICATE" in out
    assert "KCID_TOO_SHORT" in out
    assert "stats         1 clicks, 1 conversions" in out
    assert "explain       valid 1 conversion(s)" in out
