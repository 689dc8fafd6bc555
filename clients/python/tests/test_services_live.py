"""Reports, diagnostics and the conversion stream through their Python names, against the live
kcid (see conftest.server)."""

import datetime
import queue
import threading
import time
import uuid

import grpc
import pytest

import kcid
from kcid import v1

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def client(server):
    with kcid.connect(server.grpc_target, api_key=server.api_key) as c:
        yield c


@pytest.fixture()
def account(client):
    created = client.admin.CreateAccount(
        v1.CreateAccountRequest(account_id="py-" + uuid.uuid4().hex[:12], display_name="Python services")
    )
    return created.account.account_id, created.secrets.postback_token


def _convert(client, account_id, token, campaign_id="spring-sale", goal_key=""):
    kcid_value = client.clicks.IssueClick(
        v1.IssueClickRequest(account_id=account_id, campaign_id=campaign_id)
    ).click.kcid
    response = client.conversions.RecordConversion(
        v1.RecordConversionRequest(
            kcid=kcid_value,
            goal_key=goal_key,
            value=v1.Money(amount="12.50", currency_code="EUR"),
            credentials=v1.PostbackCredentials(token=token),
        )
    )
    return kcid_value, response


def _eventually(probe, seconds=5.0):
    """The probe's first truthy answer within `seconds` (the server's caches and log writes may
    lag a moment), else its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_get_stats_counts_clicks_and_conversions_by_campaign(client, account):
    account_id, token = account
    since = datetime.datetime.now(UTC) - datetime.timedelta(minutes=1)
    _convert(client, account_id, token, campaign_id="spring")
    _convert(client, account_id, token, campaign_id="autumn")
    client.clicks.IssueClick(v1.IssueClickRequest(account_id=account_id, campaign_id="autumn"))

    stats = client.get_stats(account_id, since, group_by=[v1.STATS_DIMENSION_CAMPAIGN], time_zone="Europe/Berlin")

    assert (stats.total.clicks, stats.total.conversions) == (3, 2)
    assert stats.time_zone == "Europe/Berlin"
    by_campaign = {row.campaign_id: (row.clicks, row.conversions) for row in stats.rows}
    assert by_campaign == {"autumn": (2, 1), "spring": (1, 1)}
    assert [(v.currency_code, v.approved_amount) for v in stats.total.values] == [("EUR", "25.00")]


def test_get_stats_without_start_time_is_missing_parameter(client, account):
    with pytest.raises(kcid.KcidError) as caught:
        client.reports.GetStats(v1.GetStatsRequest(account_id=account[0]))
    assert caught.value.reason == "MISSING_PARAMETER"
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_naive_datetimes_are_refused_before_any_call(client, account):
    with pytest.raises(ValueError, match="naive"):
        client.get_stats(account[0], datetime.datetime.now())


def test_explain_click_and_list_postbacks(client, account):
    account_id, token = account
    kcid_value, recorded = _convert(client, account_id, token)

    explained = client.explain_click(kcid_value)
    assert explained.diagnosis.valid
    assert explained.click.kcid == kcid_value
    assert [c.conversion_id for c in explained.conversions] == [recorded.conversion_id]

    page = _eventually(lambda: client.list_postbacks(account_id, kcid=kcid_value).entries)
    assert len(page) == 1
    assert page[0].outcome == v1.POSTBACK_OUTCOME_ACCEPTED
    assert page[0].conversion_id == recorded.conversion_id
    assert page[0].request.kcid == kcid_value

    malformed = client.explain_click("not-a-kcid", account_id=account_id)
    assert not malformed.diagnosis.valid
    assert malformed.diagnosis.reason != v1.ERROR_REASON_UNSPECIFIED


def test_replay_records_a_postback_once_its_goal_exists(client, account):
    account_id, token = account
    with pytest.raises(kcid.KcidError) as caught:
        _convert(client, account_id, token, goal_key="signup")
    assert caught.value.reason == "GOAL_NOT_FOUND"
    rejected = _eventually(
        lambda: client.list_postbacks(account_id, outcome=v1.POSTBACK_OUTCOME_REJECTED).entries
    )
    assert [e.reason for e in rejected] == [v1.ERROR_REASON_GOAL_NOT_FOUND]
    log_id = rejected[0].log_id

    client.admin.CreateGoal(v1.CreateGoalRequest(account_id=account_id, goal_key="signup"))
    dry = _eventually(
        lambda: [r for r in client.replay_postbacks(account_id, [log_id], dry_run=True).results
                 if r.outcome == v1.REPLAY_OUTCOME_ACCEPTED]
    )
    assert len(dry) == 1 and dry[0].original_reason == v1.ERROR_REASON_GOAL_NOT_FOUND

    replayed = client.replay_postbacks(account_id, [log_id]).results
    assert [r.outcome for r in replayed] == [v1.REPLAY_OUTCOME_ACCEPTED]
    again = client.replay_postbacks(account_id, [log_id]).results
    assert [r.outcome for r in again] == [v1.REPLAY_OUTCOME_DUPLICATE]
    assert again[0].conversion_id == replayed[0].conversion_id


def _read_in_background(stream, into):
    def pump():
        try:
            for response in stream:
                into.put(response)
        except kcid.KcidError as err:  # surfaced to the test thread
            into.put(err)
        into.put(None)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def test_stream_conversions_delivers_events_and_resumes_from_a_cursor(client, account):
    account_id, token = account
    received = queue.Queue()
    with client.stream_conversions(account_id=account_id) as stream:
        reader = _read_in_background(stream, received)
        # The stream starts at the next new event; its first message, which only carries a
        # cursor, says the server holds its position.
        opened = received.get(timeout=10)
        assert not isinstance(opened, Exception), opened
        assert not opened.HasField("event") and opened.cursor
        kcid_value, recorded = _convert(client, account_id, token)
        first = received.get(timeout=10)
        assert not isinstance(first, Exception), first
        assert first.event.type == v1.CONVERSION_EVENT_TYPE_RECORDED
        assert first.event.conversion_id == recorded.conversion_id
        assert first.event.kcid == kcid_value
        assert first.cursor
    reader.join(10)
    assert not reader.is_alive()
    rest = []
    while not rest or rest[-1] is not None:
        rest.append(received.get(timeout=1))
    assert not [r for r in rest if isinstance(r, Exception)], "cancel() ends the iteration quietly"

    # Resuming from the first event's cursor skips it and delivers the next one.
    _, second = _convert(client, account_id, token)
    with client.stream_conversions(account_id=account_id, cursor=first.cursor) as resumed:
        for response in resumed:
            if response.HasField("event"):
                assert response.event.conversion_id == second.conversion_id
                break


def test_consumer_group_events_are_acknowledged(client, account):
    account_id, token = account
    _, recorded = _convert(client, account_id, token)
    group = "py-" + uuid.uuid4().hex[:8]
    with client.stream_conversions(
        account_id=account_id, consumer_group=group, consumer_name="worker-1", from_start=True,
        claim_idle=datetime.timedelta(seconds=30),
    ) as stream:
        event = next(r.event for r in stream if r.HasField("event"))
    assert event.conversion_id == recorded.conversion_id
    assert client.ack_conversion_events(group, [event.event_id], account_id=account_id) == 1
    assert client.ack_conversion_events(group, [event.event_id], account_id=account_id) == 0


def test_a_stream_refused_by_the_server_raises_kcid_error(client):
    with pytest.raises(kcid.KcidError) as caught:
        for _ in client.stream_conversions(cursor="not-a-cursor"):
            pass
    assert caught.value.reason == "STREAM_CURSOR_INVALID"
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_a_read_key_cannot_replay(server, client, account):
    read_key = client.admin.CreateApiKey(
        v1.CreateApiKeyRequest(name="py-read-" + uuid.uuid4().hex[:8], roles=[v1.API_KEY_ROLE_READ])
    ).secret
    with kcid.connect(server.grpc_target, api_key=read_key) as reader:
        assert _eventually(lambda: _stats_or_none(reader, account[0])) is not None
        with pytest.raises(kcid.KcidError) as caught:
            reader.replay_postbacks(account[0], ["1-0"], dry_run=True)
    assert caught.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert caught.value.reason == "API_KEY_ROLE_MISSING"


def _stats_or_none(client, account_id):
    """Stats with this key, or None while the server does not know the new key yet."""
    try:
        return client.get_stats(account_id, datetime.datetime.now(UTC) - datetime.timedelta(hours=1))
    except kcid.KcidError as err:
        if err.code == grpc.StatusCode.UNAUTHENTICATED:
            return None
        raise


@pytest.fixture()
def partner(client):
    return client.create_partner("Python Agency", partner_id="py-partner-" + uuid.uuid4().hex[:8])


def test_partner_create_get_list_update_and_an_account_under_it(client, partner):
    assert partner.s2s_active and partner.display_name == "Python Agency"
    with pytest.raises(kcid.KcidError) as caught:
        client.create_partner("Again", partner_id=partner.partner_id)
    assert caught.value.reason == "PARTNER_ALREADY_EXISTS"

    created = client.create_account("Python shop", partner_id=partner.partner_id)
    assert created.account.partner_id == partner.partner_id and created.secrets.postback_token
    with pytest.raises(kcid.KcidError) as caught:
        client.create_account("Nobody's", partner_id="py-nobody")
    assert caught.value.reason == "PARTNER_NOT_FOUND"
    assert caught.value.code == grpc.StatusCode.NOT_FOUND

    assert client.get_partner(partner.partner_id).display_name == "Python Agency"
    with pytest.raises(kcid.KcidError) as caught:
        client.get_partner("py-nobody")
    assert caught.value.reason == "PARTNER_NOT_FOUND"

    listed = [p.partner_id for p in client.iter_partners(page_size=1)]  # pages of one
    assert "default" in listed and partner.partner_id in listed
    assert listed == sorted(listed)
    assert any(a.account_id == created.account.account_id and a.partner_id == partner.partner_id
               for a in client.iter_accounts(page_size=1))

    updated = client.update_partner(partner.partner_id, display_name="Python Agency 1")
    assert updated.display_name == "Python Agency 1" and updated.s2s_active


def test_a_partner_switched_off_refuses_clicks_until_switched_on(client, partner):
    account_id = client.create_account("Python shoes", partner_id=partner.partner_id).account.account_id

    def issue():
        try:
            client.clicks.IssueClick(v1.IssueClickRequest(account_id=account_id, campaign_id="web"))
            return None
        except kcid.KcidError as err:
            return err

    assert issue() is None
    assert not client.update_partner(partner.partner_id, s2s_active=False).s2s_active
    # Every server sees the switch within its account cache TTL (1 s by default).
    refused = _eventually(issue)
    assert refused is not None and refused.reason == "PARTNER_INACTIVE"
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.metadata.get("partnerId") == partner.partner_id
    assert client.update_partner(partner.partner_id, s2s_active=True).s2s_active
    assert _eventually(lambda: issue() is None)


def test_caller_with_the_admin_key_is_the_platform_with_every_role(client):
    key = client.caller()
    assert key.name == "local-admin"
    assert (key.partner_id, key.account_id) == ("", "")  # platform scope
    assert list(key.roles) == [v1.API_KEY_ROLE_ISSUE, v1.API_KEY_ROLE_INGEST, v1.API_KEY_ROLE_READ, v1.API_KEY_ROLE_ADMIN]


@pytest.fixture()
def two_partners(client):
    """Two partners with one account each: [(partner_id, account_id), (partner_id, account_id)]."""
    suffix = uuid.uuid4().hex[:8]
    tenants = []
    for name in ("one", "two"):
        partner_id = client.create_partner("Python " + name, partner_id="py-scope-{}-{}".format(name, suffix)).partner_id
        tenants.append((partner_id, client.create_account(partner_id=partner_id).account.account_id))
    return tenants


def _connect_as(server, secret):
    """A client calling with `secret`, once the server knows the key (it learns a key created
    through another server within its reload interval)."""
    scoped = kcid.connect(server.grpc_target, api_key=secret)

    def known():
        try:
            return scoped.caller()
        except kcid.KcidError as err:
            if err.reason == "API_KEY_INVALID":
                return None
            raise

    if _eventually(known) is None:
        scoped.close()
        pytest.fail("the server never accepted the new key")
    return scoped


def _assert_scope_denied(caught, scope, needed):
    assert caught.value.reason == "API_KEY_SCOPE_DENIED"
    assert caught.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert caught.value.metadata.get("scope") == scope and caught.value.metadata.get("needed") == needed


def test_a_partner_key_sees_and_creates_only_within_its_partner(server, client, two_partners):
    (partner_one, account_one), (partner_two, _) = two_partners
    name = "py-partner-key-" + uuid.uuid4().hex[:8]
    created = client.create_api_key(name, [v1.API_KEY_ROLE_ADMIN, v1.API_KEY_ROLE_READ], partner_id=partner_one)
    assert (created.api_key.partner_id, created.api_key.account_id) == (partner_one, "")

    with _connect_as(server, created.secret) as partner_client:
        key = partner_client.caller()
        assert (key.name, key.partner_id, key.account_id) == (name, partner_one, "")
        assert list(key.roles) == [v1.API_KEY_ROLE_READ, v1.API_KEY_ROLE_ADMIN]

        assert [p.partner_id for p in partner_client.iter_partners()] == [partner_one]
        assert [(a.account_id, a.partner_id) for a in partner_client.iter_accounts()] == [(account_one, partner_one)]

        with pytest.raises(kcid.KcidError) as caught:
            partner_client.create_account("Not ours", partner_id=partner_two)
        _assert_scope_denied(caught, "partner:" + partner_one, "partner:" + partner_two)
        assert partner_client.create_account("Ours", partner_id=partner_one).account.partner_id == partner_one


def test_an_account_key_issues_clicks_for_its_account_only(server, client, two_partners):
    (partner_one, account_one), (_, account_two) = two_partners
    created = client.create_api_key("py-account-key-" + uuid.uuid4().hex[:8], [v1.API_KEY_ROLE_ISSUE], account_id=account_one)
    assert (created.api_key.partner_id, created.api_key.account_id) == (partner_one, account_one)

    with _connect_as(server, created.secret) as account_client:
        key = account_client.caller()
        assert (key.partner_id, key.account_id, list(key.roles)) == (partner_one, account_one, [v1.API_KEY_ROLE_ISSUE])
        click = account_client.clicks.IssueClick(v1.IssueClickRequest(account_id=account_one, campaign_id="scoped")).click
        assert click.account_id == account_one and click.kcid
        with pytest.raises(kcid.KcidError) as caught:
            account_client.clicks.IssueClick(v1.IssueClickRequest(account_id=account_two, campaign_id="scoped"))
        _assert_scope_denied(caught, "account:" + account_one, "account:" + account_two)
