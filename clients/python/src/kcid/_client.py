"""``connect()``: a channel with kcid's service config, API key and error translation."""

from __future__ import annotations

import collections
from importlib import resources
from typing import Any, Callable, Optional, Sequence, Tuple

import grpc

from kcid._gen.tracking.v1.admin_service_pb2_grpc import AdminServiceStub
from kcid._gen.tracking.v1.click_service_pb2_grpc import ClickServiceStub
from kcid._gen.tracking.v1.conversion_service_pb2_grpc import ConversionServiceStub
from kcid.errors import KcidError

__all__ = ["Client", "connect", "service_config"]


def service_config() -> str:
    """The gRPC service config every kcid client ships (clients/service_config.json, verbatim):
    5 s deadlines, UNAVAILABLE retried everywhere, DEADLINE_EXCEEDED on reads only."""
    return resources.files("kcid").joinpath("service_config.json").read_text(encoding="utf-8")


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _TranslatedCall(grpc.Call, grpc.Future):
    """Wraps the outcome of a unary call so that its failure surfaces as a KcidError
    (from ``result()``/``exception()``), without blocking ``future()`` callers."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def _translate(self, error: Optional[BaseException]) -> Optional[BaseException]:
        if isinstance(error, grpc.RpcError) and not isinstance(error, KcidError):
            return KcidError.from_rpc_error(error)
        return error

    def result(self, timeout: Optional[float] = None) -> Any:
        try:
            return self._call.result(timeout)
        except grpc.RpcError as error:
            translated = self._translate(error)
            if translated is error:
                raise
            raise translated from error  # type: ignore[misc]

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        return self._translate(self._call.exception(timeout))

    def traceback(self, timeout: Optional[float] = None) -> Any:
        return self._call.traceback(timeout)

    def add_done_callback(self, fn: Callable[[Any], None]) -> None:
        self._call.add_done_callback(lambda _: fn(self))

    def cancel(self) -> bool:
        return self._call.cancel()

    def cancelled(self) -> bool:
        return self._call.cancelled()

    def running(self) -> bool:
        return self._call.running()

    def done(self) -> bool:
        return self._call.done()

    def is_active(self) -> bool:
        return self._call.is_active()

    def time_remaining(self) -> Optional[float]:
        return self._call.time_remaining()

    def add_callback(self, callback: Callable[[], None]) -> bool:
        return self._call.add_callback(callback)

    def initial_metadata(self) -> Any:
        return self._call.initial_metadata()

    def trailing_metadata(self) -> Any:
        return self._call.trailing_metadata()

    def code(self) -> grpc.StatusCode:
        return self._call.code()

    def details(self) -> Optional[str]:
        return self._call.details()


class _KcidInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Adds ``authorization: Bearer <key>`` to every call and turns failures into KcidError."""

    def __init__(self, api_key: Optional[str]) -> None:
        self._auth: Tuple[Tuple[str, str], ...] = (
            (("authorization", "Bearer " + api_key),) if api_key else ()
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        details = client_call_details
        if self._auth:
            metadata = list(details.metadata or ()) + list(self._auth)
            details = _CallDetails(
                details.method,
                details.timeout,
                metadata,
                details.credentials,
                details.wait_for_ready,
                details.compression,
            )
        return _TranslatedCall(continuation(details, request))


class Client:
    """A connection to a kcid tracking-server.

    Attributes:
        clicks: ``ClickService`` stub (IssueClick, GetClick, InspectKcid).
        conversions: ``ConversionService`` stub (RecordConversion, GetConversion, ListConversions).
        admin: ``AdminService`` stub (accounts and goals).
        channel: the underlying :class:`grpc.Channel`.

    Every failed call raises :class:`kcid.KcidError`. Use as a context manager or call
    :meth:`close`.
    """

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        self.clicks = ClickServiceStub(channel)
        self.conversions = ConversionServiceStub(channel)
        self.admin = AdminServiceStub(channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def connect(
    target: str,
    api_key: Optional[str] = None,
    tls: bool = False,
    ca_file: Optional[str] = None,
    options: Sequence[Tuple[str, Any]] = (),
) -> Client:
    """Connects to a kcid tracking-server.

    Args:
        target: ``host:port`` (any gRPC target), e.g. ``"localhost:9090"``.
        api_key: optional; sent on every call as ``authorization: Bearer <api_key>``.
        tls: use TLS with the system's root certificates (plaintext when False).
        ca_file: PEM file of the CA to trust instead of the system roots; implies TLS.
        options: extra gRPC channel options, applied after kcid's.

    The channel carries kcid's service config (deadlines and retries) with retries enabled.
    Nothing is dialled until the first call.
    """
    channel_options = [
        ("grpc.service_config", service_config()),
        ("grpc.enable_retries", 1),
        *options,
    ]
    if tls or ca_file:
        root = None
        if ca_file:
            with open(ca_file, "rb") as f:
                root = f.read()
        credentials = grpc.ssl_channel_credentials(root_certificates=root)
        channel = grpc.secure_channel(target, credentials, options=channel_options)
    else:
        channel = grpc.insecure_channel(target, options=channel_options)
    return Client(grpc.intercept_channel(channel, _KcidInterceptor(api_key)))
