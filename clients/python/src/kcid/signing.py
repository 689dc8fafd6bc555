"""Click-URL signing, exactly as specified in core/KCID-FORMAT.md ("Click URL signing").

An ad server sends users to ``<edge>/c?a=…&c=…&u=…&sig=…``. ``sig`` is the base64url
(no padding) HMAC-SHA256 of the *canonical query*, keyed with the UTF-8 bytes of the
account's click secret:

1. take every parameter except ``sig`` and drop those whose value is empty or ``None``;
2. sort by name (byte order);
3. percent-encode name and value per RFC 3986 over their UTF-8 bytes: keep
   ``A-Z a-z 0-9 - . _ ~``, write every other byte as ``%XX`` (upper-case hex);
4. join ``name=value`` pairs with ``&``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable, Mapping, Optional, Tuple, Union

__all__ = ["canonical_query", "sign", "signed_url", "percent_encode"]

Params = Union[Mapping[str, Optional[str]], Iterable[Tuple[str, Optional[str]]]]

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding of ``text``'s UTF-8 bytes (upper-case hex, space is ``%20``)."""
    return "".join(
        chr(b) if b in _UNRESERVED else "%{:02X}".format(b) for b in text.encode("utf-8")
    )


def canonical_query(params: Params) -> str:
    """The canonical query of click parameters (a mapping or ``(name, value)`` pairs).

    ``sig`` and empty or ``None`` values are left out; the rest is sorted by name and encoded.
    """
    items = params.items() if isinstance(params, Mapping) else params
    kept = [(name, value) for name, value in items if name != "sig" and value]
    kept.sort(key=lambda kv: kv[0].encode("utf-8"))
    return "&".join(percent_encode(name) + "=" + percent_encode(value) for name, value in kept)


def sign(secret: str, canonical: str) -> str:
    """``base64url(HMAC-SHA256(utf8(secret), utf8(canonical)))`` without padding."""
    mac = hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def signed_url(edge_base_url: str, params: Params, secret: str) -> str:
    """A signed click URL: ``<edge without trailing slash>/c?<canonical query>&sig=<signature>``.

    ``params`` uses the edge's names: ``a`` account id, ``c`` campaign, ``cr`` creative,
    ``p`` placement, ``s1``..``s10`` sub ids, ``u`` destination URL.
    """
    canonical = canonical_query(params)
    return "{}/c?{}&sig={}".format(edge_base_url.rstrip("/"), canonical, sign(secret, canonical))
