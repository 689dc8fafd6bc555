"""``connect()``: a channel with kcid's service config, API key and error translation."""

from __future__ import annotations

import collections
from importlib import resources
from typing import Any, Callable, Optional, Sequence, Tuple

import grpc

from kcid._gen.tracking.v1.admin_service_pb2_grpc import AdminServiceStub
from kcid._gen.tracking.v1.click_service_pb2_grpc import ClickServiceStub
from kcid._gen.tracking.v1.conversion_service_pb2_grpc import ConversionServiceStub
from kcid._gen.tracking.v1.delivery_service_pb2_grpc import DeliveryServiceStub
from kcid._gen.tracking.v1.diagnostics_service_pb2_grpc import DiagnosticsServiceStub
from kcid._gen.tracking.v1.partner_service_pb2_grpc import PartnerServiceStub
from kcid._gen.tracking.v1.report_service_pb2_grpc import ReportServiceStub
from kcid._deliveries import DeliveryOperations
from kcid._operations import Operations
from kcid._tenancy import TenancyOperations
from kcid.errors import KcidError

__all__ = ["Client", "ResponseStream", "connect", "service_config"]


def service_config() -> str:
    """The gRPC service config every kcid client ships (clients/service_config.json, verbatim):
    5 s deadlines (none on StreamConversions), UNAVAILABLE retried everywhere, DEADLINE_EXCEEDED
    on reads only."""
    return resources.files("kcid").joinpath("service_config.json").read_text(encoding="utf-8")


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _DelegatingCall(grpc.Call):
    """The ``grpc.Call`` side of a wrapped call, passed through to the real one."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def cancel(self) -> bool:
        return self._call.cancel()

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


def _translate(error: Optional[BaseException]) -> Optional[BaseException]:
    if isinstance(error, grpc.RpcError) and not isinstance(error, KcidError):
        return KcidError.from_rpc_error(error)
    return error


class _TranslatedCall(_DelegatingCall, grpc.Future):
    """Wraps the outcome of a unary call so that its failure surfaces as a KcidError
    (from ``result()``/``exception()``), without blocking ``future()`` callers."""

    def result(self, timeout: Optional[float] = None) -> Any:
        try:
            return self._call.result(timeout)
        except grpc.RpcError as error:
            translated = _translate(error)
            if translated is error:
                raise
            raise translated from error  # type: ignore[misc]

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        return _translate(self._call.exception(timeout))

    def traceback(self, timeout: Optional[float] = None) -> Any:
        return self._call.traceback(timeout)

    def add_done_callback(self, fn: Callable[[Any], None]) -> None:
        self._call.add_done_callback(lambda _: fn(self))

    def cancelled(self) -> bool:
        return self._call.cancelled()

    def running(self) -> bool:
        return self._call.running()

    def done(self) -> bool:
        return self._call.done()


class ResponseStream(_DelegatingCall):
    """The responses of a server-streaming call (e.g. ``StreamConversions``), in order.

    Iterate over it; a failure of the call raises :class:`kcid.KcidError` from the iteration.
    :meth:`cancel` (from any thread) ends the iteration quietly, and so does leaving a ``with``
    block around it. ``code()``, ``details()`` and the metadata are those of the gRPC call.
    """

    def __init__(self, call: Any) -> None:
        super().__init__(call)
        self._cancelled = False

    def __iter__(self) -> "ResponseStream":
        return self

    def __next__(self) -> Any:
        try:
            return next(self._call)
        except grpc.RpcError as error:
            if self._cancelled and error.code() == grpc.StatusCode.CANCELLED:  # type: ignore[attr-defined]
                raise StopIteration from None
            raise _translate(error) from error  # type: ignore[misc]

    def cancel(self) -> bool:
        self._cancelled = True
        return self._call.cancel()

    def __enter__(self) -> "ResponseStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.cancel()


class _KcidInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds ``authorization: Bearer <key>`` to every call and turns failures into KcidError."""

    def __init__(self, api_key: Optional[str]) -> None:
        self._auth: Tuple[Tuple[str, str], ...] = (
            (("authorization", "Bearer " + api_key),) if api_key else ()
        )

    def _authorized(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        if not self._auth:
            return details
        return _CallDetails(
            details.method,
            details.timeout,
            list(details.metadata or ()) + list(self._auth),
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return _TranslatedCall(continuation(self._authorized(client_call_details), request))

    def intercept_unary_stream(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return ResponseStream(continuation(self._authorized(client_call_details), request))


class Client(Operations, TenancyOperations, DeliveryOperations):
    """A connection to a kcid tracking-server.

    Attributes:
        clicks: ``ClickService`` stub (IssueClick, IssueClicks, GetClick, InspectKcid, DeleteClick).
        conversions: ``ConversionService`` stub (RecordConversion(s), UpdateConversionStatus(es),
            GetConversion, ListConversions, StreamConversions, AckConversionEvents).
        admin: ``AdminService`` stub (accounts, goals, API keys, GetCaller).
        partners: ``PartnerService`` stub (CreatePartner, GetPartner, ListPartners, UpdatePartner,
            DeletePartner).
        reports: ``ReportService`` stub (GetStats).
        diagnostics: ``DiagnosticsService`` stub (ListPostbacks, ExplainClick, ReplayPostbacks).
        deliveries: ``DeliveryService`` stub (destinations, ListDeliveries, Redeliver).
        channel: the underlying :class:`grpc.Channel`.

    The stubs take request messages (``kcid.v1``); the report, diagnostics and stream calls also
    have Python names taking keyword arguments: :meth:`get_stats`, :meth:`list_postbacks`,
    :meth:`explain_click`, :meth:`replay_postbacks`, :meth:`stream_conversions`,
    :meth:`ack_conversion_events`; and so do partners, accounts and keys: :meth:`create_partner`,
    :meth:`get_partner`, :meth:`list_partners`, :meth:`iter_partners`, :meth:`update_partner`,
    :meth:`delete_partner`, :meth:`create_account`, :meth:`update_account`,
    :meth:`list_accounts`, :meth:`iter_accounts`, :meth:`create_api_key`, :meth:`caller` and
    :meth:`get_partner_stats`; and so do destinations and deliveries: :meth:`create_destination`,
    :meth:`create_webhook`, :meth:`create_postback`, :meth:`get_destination`,
    :meth:`list_destinations`, :meth:`update_destination`, :meth:`pause_destination`,
    :meth:`resume_destination`, :meth:`delete_destination`, :meth:`test_destination`,
    :meth:`rotate_destination_secret`, :meth:`list_deliveries`, :meth:`iter_deliveries`,
    :meth:`preview_redeliver` and :meth:`redeliver` (webhooks are verified with
    :mod:`kcid.webhooks`). Every failed call raises :class:`kcid.KcidError`. Use as a
    context manager or call :meth:`close`.
    """

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        self.clicks = ClickServiceStub(channel)
        self.conversions = ConversionServiceStub(channel)
        self.admin = AdminServiceStub(channel)
        self.partners = PartnerServiceStub(channel)
        self.reports = ReportServiceStub(channel)
        self.diagnostics = DiagnosticsServiceStub(channel)
        self.deliveries = DeliveryServiceStub(channel)

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
        api_key: sent on every call as ``authorization: Bearer <api_key>``. kcid servers require
            one (``KCID_AUTH=required``, the default of ``kcid server``) with the role of each
            method: ``issue``, ``ingest``, ``read`` or ``admin``.
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
