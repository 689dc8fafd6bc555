"""The one error type every failed kcid call raises."""

from __future__ import annotations

from typing import Dict, Optional

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

__all__ = ["KcidError", "ERROR_DOMAIN"]

#: ``google.rpc.ErrorInfo.domain`` of kcid's errors.
ERROR_DOMAIN = "tracking.kcid.io"


class KcidError(grpc.RpcError):
    """A failed kcid call.

    Attributes:
        reason: the ``ErrorReason`` name without its ``ERROR_REASON_`` prefix, e.g.
            ``"KCID_MAC_MISMATCH"``, from the ``google.rpc.ErrorInfo`` the server sent;
            ``""`` when the failure carries none (e.g. the server was unreachable).
        code: the :class:`grpc.StatusCode`.
        message: the status message (what to fix).
        metadata: the ErrorInfo metadata (e.g. ``{"field": "account_id"}``).
        domain: the ErrorInfo domain (``"tracking.kcid.io"`` for kcid's own errors).
        status: the decoded ``google.rpc.Status``, when the server sent one.

    It subclasses :class:`grpc.RpcError`, so code that catches that keeps working;
    the original error is chained as ``__cause__``.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        reason: str = "",
        metadata: Optional[Dict[str, str]] = None,
        domain: str = "",
        status: Optional[status_pb2.Status] = None,
    ) -> None:
        super().__init__(code, message, reason)
        self.code = code
        self.message = message
        self.reason = reason
        self.metadata: Dict[str, str] = dict(metadata or {})
        self.domain = domain
        self.status = status

    def __str__(self) -> str:
        name = self.code.name if isinstance(self.code, grpc.StatusCode) else str(self.code)
        head = "{} {}".format(name, self.reason) if self.reason else name
        return "{}: {}".format(head, self.message) if self.message else head

    def __repr__(self) -> str:
        return "KcidError(code={}, reason={!r}, message={!r})".format(
            self.code, self.reason, self.message
        )

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "KcidError":
        """Builds a KcidError from a failed call (a ``grpc.RpcError`` that is a ``grpc.Call``)."""
        if isinstance(error, KcidError):
            return error
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        message = (error.details() if hasattr(error, "details") else None) or ""
        status = None
        try:
            status = rpc_status.from_call(error)  # type: ignore[arg-type]
        except (ValueError, AttributeError, TypeError):
            status = None  # malformed or inconsistent details: keep code and message
        reason, domain, metadata = "", "", {}
        if status is not None:
            infos = []
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    infos.append(info)
            # Prefer kcid's own domain; fall back to the first ErrorInfo of any domain.
            chosen = next((i for i in infos if i.domain == ERROR_DOMAIN), infos[0] if infos else None)
            if chosen is not None:
                reason, domain, metadata = chosen.reason, chosen.domain, dict(chosen.metadata)
        return cls(code, message, reason, metadata, domain, status)
