"""Verifying the webhooks kcid sends, by the Standard Webhooks specification (standardwebhooks.com).

A kcid webhook is a POST with ``webhook-id`` (the delivery id: the same on every retry, so
deduplicate on it), ``webhook-timestamp`` (unix seconds) and ``webhook-signature``: space-separated
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` entries, one per secret that signed (two while a
rotated secret's grace period lasts). The secret is the destination's ``whsec_…`` signing secret::

    verifier = kcid.webhooks.WebhookVerifier([os.environ["KCID_WEBHOOK_SECRET"]])
    try:
        verifier.verify(request.headers, request.get_data())   # the raw body, as received
    except kcid.webhooks.WebhookVerificationError as refused:
        return ("", 401)                                        # refused.reason says why
    event = json.loads(request.get_data())
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import re
import time
from typing import Callable, Iterable, Mapping, Optional, Union

__all__ = [
    "WebhookVerifier",
    "verify_webhook",
    "WebhookVerificationError",
    "WebhookMissingHeaderError",
    "WebhookTimestampError",
    "WebhookSignatureError",
    "WEBHOOK_ID_HEADER",
    "WEBHOOK_TIMESTAMP_HEADER",
    "WEBHOOK_SIGNATURE_HEADER",
    "DEFAULT_TOLERANCE",
]

WEBHOOK_ID_HEADER = "webhook-id"
WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp"
WEBHOOK_SIGNATURE_HEADER = "webhook-signature"
#: How far a webhook's timestamp may be from now, either way.
DEFAULT_TOLERANCE = datetime.timedelta(minutes=5)

_PREFIX = "whsec_"
_SECONDS = re.compile(r"-?[0-9]{1,18}")


class WebhookVerificationError(Exception):
    """A webhook that did not verify: answer it with a 4xx (kcid does not retry a 4xx other than
    408/429). ``reason`` is ``MISSING_HEADER``, ``INVALID_TIMESTAMP``, ``TIMESTAMP_OUT_OF_TOLERANCE``
    or ``NO_MATCHING_SIGNATURE``; ``header`` names the header at fault, if one is. Never holds a
    secret."""

    def __init__(self, reason: str, header: str = "") -> None:
        super().__init__("{}: {}".format(reason, header) if header else reason)
        self.reason = reason
        self.header = header


class WebhookMissingHeaderError(WebhookVerificationError):
    """``webhook-id``, ``webhook-timestamp`` or ``webhook-signature`` is missing or empty."""


class WebhookTimestampError(WebhookVerificationError):
    """The timestamp is not unix seconds (``INVALID_TIMESTAMP``) or is further from now than the
    tolerance (``TIMESTAMP_OUT_OF_TOLERANCE``): a replay, or a clock that is off."""


class WebhookSignatureError(WebhookVerificationError):
    """No ``v1`` entry of ``webhook-signature`` matches any of the secrets
    (``NO_MATCHING_SIGNATURE``): the body was changed, or the secret is not this destination's."""


Headers = Union[Mapping[str, str], Iterable]


def _key(secret: str, index: int) -> bytes:
    encoded = secret.strip()
    if encoded.startswith(_PREFIX):
        encoded = encoded[len(_PREFIX):]
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        # The message never repeats the secret.
        raise ValueError("signing secret #{} is not whsec_ followed by base64".format(index + 1))
    return key


def _header(headers: Headers, name: str) -> str:
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:  # any case: HTTP header names are case-insensitive
        if key.lower() == name:
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


class WebhookVerifier:
    """Checks kcid webhook signatures with one or more secrets (``whsec_`` + base64; the prefix is
    optional). Reusable and thread-safe.

    Args:
        secrets: the destination's signing secrets (several while moving from one to the next).
        tolerance: how far the timestamp may be from now, either way (default 5 minutes).
        clock: returns now in unix seconds (default ``time.time``); for tests and old replays.
    """

    def __init__(
        self,
        secrets: Iterable[str],
        tolerance: datetime.timedelta = DEFAULT_TOLERANCE,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        if isinstance(secrets, str):
            secrets = [secrets]
        self._keys = [_key(s, i) for i, s in enumerate(secrets)]
        if not self._keys:
            raise ValueError("no signing secret")
        if tolerance < datetime.timedelta(0):
            raise ValueError("negative tolerance")
        self._tolerance = tolerance.total_seconds()
        self._clock = clock or time.time

    def verify(self, headers: Headers, body: Union[bytes, bytearray, memoryview]) -> None:
        """Checks a webhook's headers (any mapping or ``(name, value)`` pairs, names in any case)
        and its body exactly as received (bytes: read it whole before parsing). Returns when kcid
        sent it; raises a :class:`WebhookVerificationError` subclass otherwise."""
        self.verify_values(
            _header(headers, WEBHOOK_ID_HEADER),
            _header(headers, WEBHOOK_TIMESTAMP_HEADER),
            _header(headers, WEBHOOK_SIGNATURE_HEADER),
            body,
        )

    def verify_values(self, webhook_id: str, timestamp: str, signature: str, body: Union[bytes, bytearray, memoryview]) -> None:
        """:meth:`verify` for header values taken from elsewhere (a queue, a log)."""
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError("body must be the raw bytes received, not {}".format(type(body).__name__))
        for name, value in (
            (WEBHOOK_ID_HEADER, webhook_id),
            (WEBHOOK_TIMESTAMP_HEADER, timestamp),
            (WEBHOOK_SIGNATURE_HEADER, signature),
        ):
            if not value or not value.strip():
                raise WebhookMissingHeaderError("MISSING_HEADER", name)
        timestamp = timestamp.strip()
        if not _SECONDS.fullmatch(timestamp):
            raise WebhookTimestampError("INVALID_TIMESTAMP", WEBHOOK_TIMESTAMP_HEADER)
        if abs(self._clock() - int(timestamp)) > self._tolerance:
            raise WebhookTimestampError("TIMESTAMP_OUT_OF_TOLERANCE")
        signed = "{}.{}.".format(webhook_id, timestamp).encode("utf-8") + bytes(body)
        candidates = []
        for entry in signature.split():
            version, _, value = entry.partition(",")
            if version != "v1":  # other versions (v1a: asymmetric) are not kcid's
                continue
            try:
                candidates.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                continue
        for key in self._keys:
            expected = hmac.new(key, signed, hashlib.sha256).digest()
            for candidate in candidates:
                if hmac.compare_digest(candidate, expected):  # constant time
                    return
        raise WebhookSignatureError("NO_MATCHING_SIGNATURE")


def verify_webhook(
    secrets: Union[str, Iterable[str]],
    headers: Headers,
    body: Union[bytes, bytearray, memoryview],
    tolerance: datetime.timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Verifies one webhook; see :class:`WebhookVerifier` to verify many."""
    WebhookVerifier([secrets] if isinstance(secrets, str) else secrets, tolerance).verify(headers, body)
