"""Snake_case calls of ReportService, DiagnosticsService and the conversion stream.

They build the request from keyword arguments (``datetime`` for timestamps, ``timedelta`` for
durations) and call the generated stubs, so API key, deadlines, retries and ``KcidError`` are
the same as for any call of the :class:`kcid.Client`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Union

from google.protobuf import duration_pb2, timestamp_pb2

from kcid._gen.tracking.v1 import conversion_service_pb2 as conversions_pb
from kcid._gen.tracking.v1 import diagnostics_service_pb2 as diagnostics_pb
from kcid._gen.tracking.v1 import report_service_pb2 as reports_pb

if TYPE_CHECKING:
    from kcid._client import ResponseStream

__all__ = ["Operations"]

Time = Union[datetime.datetime, timestamp_pb2.Timestamp]
Span = Union[datetime.timedelta, duration_pb2.Duration]


def _timestamp(value: Optional[Time]) -> Optional[timestamp_pb2.Timestamp]:
    if value is None or isinstance(value, timestamp_pb2.Timestamp):
        return value
    if value.tzinfo is None:
        raise ValueError("a naive datetime is ambiguous: give it a tzinfo (e.g. datetime.timezone.utc)")
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _duration(value: Optional[Span]) -> Optional[duration_pb2.Duration]:
    if value is None or isinstance(value, duration_pb2.Duration):
        return value
    duration = duration_pb2.Duration()
    duration.FromTimedelta(value)
    return duration


def _stats_request(
    start_time: Time,
    end_time: Optional[Time],
    group_by: Iterable[int],
    time_zone: str,
    account_id: str = "",
    partner_id: str = "",
) -> reports_pb.GetStatsRequest:
    return reports_pb.GetStatsRequest(
        account_id=account_id,
        partner_id=partner_id,
        start_time=_timestamp(start_time),
        end_time=_timestamp(end_time),
        group_by=list(group_by),
        time_zone=time_zone,
    )


def _call_options(timeout: Optional[float]) -> Dict[str, Any]:
    # No timeout given: the service config's deadline applies.
    return {} if timeout is None else {"timeout": timeout}


class Operations:
    """The report, diagnostics and stream calls of :class:`kcid.Client`, by their Python names.

    Each takes ``timeout=`` (seconds) to override the service config's deadline and raises
    :class:`kcid.KcidError` when it fails. Requires ``reports``, ``diagnostics`` and
    ``conversions`` stubs on the instance.
    """

    reports: Any
    diagnostics: Any
    conversions: Any

    def get_stats(
        self,
        account_id: str,
        start_time: Time,
        end_time: Optional[Time] = None,
        group_by: Iterable[int] = (),
        time_zone: str = "",
        timeout: Optional[float] = None,
    ) -> reports_pb.GetStatsResponse:
        """Clicks, conversions by status, values by currency, rates and time-to-convert of one
        account in ``[start_time, end_time)`` (whole hours; ``end_time`` defaults to now), grouped
        by ``v1.STATS_DIMENSION_*`` values (none: one row of totals). Needs the ``read`` role.
        ``time_zone`` (IANA, default UTC) labels DAY rows and periods."""
        request = _stats_request(start_time, end_time, group_by, time_zone, account_id=account_id)
        return self.reports.GetStats(request, **_call_options(timeout))

    def list_postbacks(
        self,
        account_id: str = "",
        start_time: Optional[Time] = None,
        end_time: Optional[Time] = None,
        kcid: str = "",
        outcome: int = 0,
        reason: int = 0,
        page_size: int = 0,
        page_token: str = "",
        unattributed: bool = False,
        unauthenticated: bool = False,
        timeout: Optional[float] = None,
    ) -> diagnostics_pb.ListPostbacksResponse:
        """One page of the postbacks an account received, newest first (``entries``; pass
        ``next_page_token`` back as ``page_token`` until it is empty). Filters: ``kcid``,
        ``outcome`` (``v1.POSTBACK_OUTCOME_*``), ``reason`` (``v1.ERROR_REASON_*``) and the time
        range. ``unattributed=True`` reads the postbacks no account was found for (no
        account_id); ``unauthenticated=True`` the account's sampled refusals of strangers.
        Needs the ``read`` role."""
        request = diagnostics_pb.ListPostbacksRequest(
            account_id=account_id,
            start_time=_timestamp(start_time),
            end_time=_timestamp(end_time),
            kcid=kcid,
            outcome=outcome,
            reason=reason,
            page_size=page_size,
            page_token=page_token,
            unattributed=unattributed,
            unauthenticated=unauthenticated,
        )
        return self.diagnostics.ListPostbacks(request, **_call_options(timeout))

    def explain_click(
        self, kcid: str, account_id: str = "", timeout: Optional[float] = None
    ) -> diagnostics_pb.ExplainClickResponse:
        """Everything known about one kcid: its diagnosis, the stored click (or why it is
        missing), its conversions with their history and every logged postback attempt. Works
        for a malformed kcid too. Needs the ``read`` role."""
        request = diagnostics_pb.ExplainClickRequest(kcid=kcid, account_id=account_id)
        return self.diagnostics.ExplainClick(request, **_call_options(timeout))

    def replay_postbacks(
        self,
        account_id: str,
        log_ids: Iterable[str] = (),
        start_time: Optional[Time] = None,
        end_time: Optional[Time] = None,
        reason: int = 0,
        dry_run: bool = False,
        page_size: int = 0,
        page_token: str = "",
        timeout: Optional[float] = None,
    ) -> diagnostics_pb.ReplayPostbacksResponse:
        """Re-runs rejected postbacks of the account's log once its configuration is fixed:
        the given ``log_ids``, or those rejected in ``[start_time, end_time)`` (optionally for one
        ``reason``). ``dry_run=True`` says what would happen and writes nothing. Idempotent: an
        entry replayed twice counts once. Needs the ``admin`` role."""
        request = diagnostics_pb.ReplayPostbacksRequest(
            account_id=account_id,
            log_ids=list(log_ids),
            start_time=_timestamp(start_time),
            end_time=_timestamp(end_time),
            reason=reason,
            dry_run=dry_run,
            page_size=page_size,
            page_token=page_token,
        )
        return self.diagnostics.ReplayPostbacks(request, **_call_options(timeout))

    def stream_conversions(
        self,
        account_id: str = "",
        cursor: str = "",
        from_start: bool = False,
        consumer_group: str = "",
        consumer_name: str = "",
        claim_idle: Optional[Span] = None,
        timeout: Optional[float] = None,
    ) -> "ResponseStream":
        """Every new conversion and status change (of one account, or all), as a
        :class:`kcid.ResponseStream` of ``StreamConversionsResponse``: ``.event`` (unset on
        cursor-only messages) and ``.cursor``. Resume after a break with the cursor of the last
        response processed; or share the events in a ``consumer_group`` (with a stable
        ``consumer_name``) and acknowledge them with :meth:`ack_conversion_events`.

        The stream has no deadline unless ``timeout`` is given; ``cancel()`` it (or leave a
        ``with`` block) to stop. The server ends it with ``UNAVAILABLE`` (a KcidError) on
        shutdown or store trouble: reconnect and resume. Needs the ``read`` role."""
        request = conversions_pb.StreamConversionsRequest(
            account_id=account_id,
            cursor=cursor,
            from_start=from_start,
            consumer_group=consumer_group,
            consumer_name=consumer_name,
            claim_idle=_duration(claim_idle),
        )
        return self.conversions.StreamConversions(request, **_call_options(timeout))

    def ack_conversion_events(
        self,
        consumer_group: str,
        event_ids: Iterable[str],
        account_id: str = "",
        timeout: Optional[float] = None,
    ) -> int:
        """Acknowledges events a consumer group's member has processed (the group and account
        it streamed with), so they are not delivered again. Returns how many were pending.
        Needs the ``read`` role."""
        request = conversions_pb.AckConversionEventsRequest(
            consumer_group=consumer_group, account_id=account_id, event_ids=list(event_ids)
        )
        return self.conversions.AckConversionEvents(request, **_call_options(timeout)).acknowledged
