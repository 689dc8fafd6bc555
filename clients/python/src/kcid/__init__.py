"""Python client for kcid, the server-to-server conversion tracker.

    import kcid
    from kcid import v1

    with kcid.connect("localhost:9090") as client:
        click = client.clicks.IssueClick(v1.IssueClickRequest(account_id="acme")).click
        print(click.kcid)

Every failed call raises :class:`kcid.KcidError` (``.reason``, ``.code``, ``.message``).
Click URLs are signed with :mod:`kcid.signing`.
"""

from kcid import signing, v1
from kcid._client import Client, connect, service_config
from kcid.errors import ERROR_DOMAIN, KcidError

__all__ = ["Client", "connect", "service_config", "KcidError", "ERROR_DOMAIN", "signing", "v1"]
__version__ = "0.1.0"
