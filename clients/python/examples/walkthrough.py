#!/usr/bin/env python3
"""The kcid walkthrough with the Python client, against a local `./kcid up`.

    KCID_API_KEY=$(cat .kcid/api-keys/local-admin) \
    python examples/walkthrough.py [GRPC_TARGET] [EDGE_URL]    # default localhost:9090 http://localhost:8080

Creates a partner and an account under it, mints a kcid, signs a click URL, records a conversion, records it
again (a duplicate), shows how a rejected request explains itself, then reads the account's
stats and everything known about the kcid. Needs an API key with every role (KCID_API_KEY; the
one `./kcid up` keeps in .kcid/api-keys/local-admin).
"""

from __future__ import annotations

import datetime
import os
import sys
import uuid

import kcid
from kcid import signing, v1


def main(
    target: str = "localhost:9090",
    edge_url: str = "http://localhost:8080",
    api_key: str = os.environ.get("KCID_API_KEY", ""),
) -> None:
    started = datetime.datetime.now(datetime.timezone.utc)
    with kcid.connect(target, api_key=api_key) as client:  # add tls=True or ca_file="ca.pem" as needed
        # 0. A partner (an agency or reseller) owns accounts; S2S tracking is on for it.
        partner = client.create_partner("Demo Agency", partner_id="demo-agency-" + uuid.uuid4().hex[:8])
        print("partner      ", partner.partner_id)

        # 1. An advertiser account under it; its secrets are returned only now.
        created = client.create_account(
            "Demo", account_id="demo-" + uuid.uuid4().hex[:8], partner_id=partner.partner_id
        )
        account_id = created.account.account_id
        print("account      ", account_id)

        # 2a. What an ad server does on each click: mint a kcid (and the landing URL with it).
        issued = client.clicks.IssueClick(
            v1.IssueClickRequest(
                account_id=account_id,
                campaign_id="spring-sale",
                sub_ids={"s1": "pub42"},
                destination_url="https://shop.example/landing?ref=ad",
            )
        )
        kcid_value = issued.click.kcid
        print("kcid         ", kcid_value)
        print("redirect     ", issued.redirect_url)

        # 2b. Or put a signed click URL behind the ad; the edge mints the kcid and redirects.
        url = signing.signed_url(
            edge_url,
            {"a": account_id, "c": "spring-sale", "s1": "pub42", "u": "https://shop.example/landing"},
            created.secrets.click_secret,
        )
        print("click URL    ", url)

        # 3. The advertiser posts the conversion back with its postback token.
        request = v1.RecordConversionRequest(
            kcid=kcid_value,
            goal_key="default",
            value=v1.Money(amount="49.90", currency_code="EUR"),
            transaction_id="order-1001",
            credentials=v1.PostbackCredentials(token=created.secrets.postback_token),
        )
        first = client.conversions.RecordConversion(request)
        print("postback     ", v1.Outcome.Name(first.outcome), first.conversion_id)

        # 4. Senders retry: the same postback again is a duplicate of the first.
        again = client.conversions.RecordConversion(request)
        print(
            "again        ",
            v1.Outcome.Name(again.outcome),
            again.conversion_id,
            v1.ErrorReason.Name(again.duplicate_reason),
        )

        # 5. Mistakes explain themselves.
        try:
            client.conversions.RecordConversion(
                v1.RecordConversionRequest(kcid=kcid_value[:20], credentials=request.credentials)
            )
        except kcid.KcidError as err:
            print("truncated    ", err.code.name, err.reason, "-", err.message)

        # 6. What the account sees: its stats, and everything known about one kcid.
        stats = client.get_stats(account_id, start_time=started)
        print("stats        ", stats.total.clicks, "clicks,", stats.total.conversions, "conversions")
        explained = client.explain_click(kcid_value)
        print(
            "explain      ",
            "valid" if explained.diagnosis.valid else "invalid",
            len(explained.conversions),
            "conversion(s),",
            len(explained.attempts),
            "postback(s) logged",
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
