"""Python client for kcid, the server-to-server conversion tracker.

    import kcid
    from kcid import v1

    with kcid.connect("localhost:9090", api_key=os.environ["KCID_API_KEY"]) as client:
        click = client.clicks.IssueClick(v1.IssueClickRequest(account_id="acme")).click
        print(click.kcid)
        print(client.get_stats("acme", start_time=yesterday).total.clicks)

Every failed call raises :class:`kcid.KcidError` (``.reason``, ``.code``, ``.message``).
Click URLs are signed with :mod:`kcid.signing`, postbacks (``X-Kcid-Signature``) with
:mod:`kcid.postback`; the webhooks kcid sends are verified with :mod:`kcid.webhooks`.
"""

from kcid import postback, signing, v1, webhooks
from kcid._client import Client, ResponseStream, connect, service_config
from kcid.errors import ERROR_DOMAIN, KcidError
from kcid.postback import (
    POSTBACK_SIGNATURE_HEADER,
    postback_query_payload,
    postback_signature_header,
    sign_postback,
)
from kcid.webhooks import WebhookVerificationError, WebhookVerifier, verify_webhook

__all__ = [
    "Client",
    "ResponseStream",
    "connect",
    "service_config",
    "KcidError",
    "ERROR_DOMAIN",
    "signing",
    "postback",
    "POSTBACK_SIGNATURE_HEADER",
    "sign_postback",
    "postback_signature_header",
    "postback_query_payload",
    "webhooks",
    "WebhookVerifier",
    "WebhookVerificationError",
    "verify_webhook",
    "v1",
]
__version__ = "0.1.0"
