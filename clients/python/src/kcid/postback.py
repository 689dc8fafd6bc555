"""Postback signing: the ``X-Kcid-Signature`` header the edge's ``/postback`` verifies.

``X-Kcid-Signature: t=<unix seconds>,v1=<signature>`` where the signature is the base64url
(no padding) HMAC-SHA256, keyed with the UTF-8 bytes of the account's postback signing secret,
of ``b"<t>." + payload``. The payload is the raw request body of a POST, or for a GET the
canonical query of all its query parameters (:func:`postback_query_payload`, the same canonical
form as click URLs, see :mod:`kcid.signing`).

    body = b'{"kcid":"22t9v000580g28t5cy4tqkffxbnpwabw"}'
    headers = {POSTBACK_SIGNATURE_HEADER: postback_signature_header(signing_secret, payload=body)}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Optional, Union

from kcid.signing import Params, canonical_query

__all__ = [
    "POSTBACK_SIGNATURE_HEADER",
    "sign_postback",
    "postback_signature_header",
    "postback_query_payload",
]

#: The HTTP header that carries a postback signature.
POSTBACK_SIGNATURE_HEADER = "X-Kcid-Signature"

Payload = Union[bytes, bytearray, memoryview, str]


def _payload_bytes(payload: Payload) -> bytes:
    # A str is taken as its UTF-8 bytes: what an HTTP library sends for a str body.
    return payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)


def _timestamp(timestamp: object) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError("timestamp must be Unix seconds as an int, not {!r}".format(type(timestamp).__name__))
    return timestamp


def sign_postback(secret: str, timestamp: int, payload: Payload) -> str:
    """``base64url(HMAC-SHA256(utf8(secret), b"<timestamp>." + payload))`` without padding."""
    message = str(_timestamp(timestamp)).encode("ascii") + b"." + _payload_bytes(payload)
    mac = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def postback_signature_header(
    secret: str, timestamp: Optional[int] = None, payload: Optional[Payload] = None
) -> str:
    """The value of ``X-Kcid-Signature``: ``t=<timestamp>,v1=<signature>``.

    ``timestamp`` defaults to the current Unix time in seconds (the server accepts a timestamp
    within the account's tolerance, 300 s by default); ``payload`` is required, so without a
    timestamp pass it by name: ``postback_signature_header(secret, payload=body)``.
    """
    if payload is None:
        raise TypeError("postback_signature_header() needs the payload (body bytes or query payload)")
    t = int(time.time()) if timestamp is None else _timestamp(timestamp)
    return "t={},v1={}".format(t, sign_postback(secret, t, payload))


def postback_query_payload(params: Params) -> bytes:
    """The payload a GET postback's signature covers: the canonical query of all its query
    parameters (``sig`` and empty/``None`` values dropped, sorted by name, RFC 3986 encoded)."""
    return canonical_query(params).encode("utf-8")
