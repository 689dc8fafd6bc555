"""Snake_case calls of DeliveryService: destinations (partner postbacks and signed webhooks), the
delivery log and redelivery.

Like :mod:`kcid._tenancy`, they build the request from keyword arguments and call the generated
stub, so API key, deadlines, retries and ``KcidError`` (reasons DESTINATION_NOT_FOUND,
DESTINATION_ALREADY_EXISTS, DESTINATION_ADDRESS_FORBIDDEN, DELIVERY_NOT_FOUND …) are those of
any call. A destination belongs to an account (``account_id``) or to a partner (``partner_id``,
inherited by every account of the partner): give exactly one.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from kcid._gen.tracking.v1 import delivery_service_pb2 as delivery_pb
from kcid._operations import Span, Time, _call_options, _duration, _timestamp
from kcid._tenancy import _pages, _set

__all__ = ["DeliveryOperations"]


class DeliveryOperations:
    """Destinations and deliveries, by their Python names.

    Each takes ``timeout=`` (seconds) to override the service config's deadline and raises
    :class:`kcid.KcidError` when it fails. Requires a ``deliveries`` stub on the instance.
    """

    deliveries: Any

    # -- destinations --

    def create_destination(
        self,
        kind: int,
        url: str,
        account_id: str = "",
        partner_id: str = "",
        destination_id: str = "",
        goal_keys: Iterable[str] = (),
        triggers: Iterable[int] = (),
        status_map: Optional[Mapping[str, str]] = None,
        max_concurrency: int = 0,
        max_requests_per_second: int = 0,
        timeout: Optional[float] = None,
    ) -> delivery_pb.CreateDestinationResponse:
        """Creates a destination (``kind``: ``v1.DESTINATION_KIND_POSTBACK`` or ``…_WEBHOOK``):
        ``.destination``, and for a webhook ``.signing_secret`` (``whsec_…``, shown only now: give
        it to :class:`kcid.webhooks.WebhookVerifier`). ``goal_keys`` / ``triggers``
        (``v1.DELIVERY_TRIGGER_*``) empty: all; ``status_map`` translates ``pending``,
        ``approved``, ``rejected`` to the receiver's words. Errors: DESTINATION_ALREADY_EXISTS,
        DESTINATION_ADDRESS_FORBIDDEN, INVALID_PARAMETER (an unknown macro, named),
        ACCOUNT_NOT_FOUND, PARTNER_NOT_FOUND."""
        request = delivery_pb.CreateDestinationRequest(
            account_id=account_id,
            partner_id=partner_id,
            destination_id=destination_id,
            kind=kind,
            url=url,
            goal_keys=list(goal_keys),
            triggers=list(triggers),
            status_map=dict(status_map or {}),
            max_concurrency=max_concurrency,
            max_requests_per_second=max_requests_per_second,
        )
        return self.deliveries.CreateDestination(request, **_call_options(timeout))

    def create_webhook(self, url: str, **kwargs: Any) -> delivery_pb.CreateDestinationResponse:
        """:meth:`create_destination` of a webhook (a signed JSON POST to ``url``)."""
        return self.create_destination(delivery_pb.DESTINATION_KIND_WEBHOOK, url, **kwargs)

    def create_postback(self, url_template: str, **kwargs: Any) -> delivery_pb.CreateDestinationResponse:
        """:meth:`create_destination` of a postback (a GET of ``url_template`` with its
        ``{macros}`` filled in, each URL-encoded for its position)."""
        return self.create_destination(delivery_pb.DESTINATION_KIND_POSTBACK, url_template, **kwargs)

    def get_destination(
        self, destination_id: str, account_id: str = "", partner_id: str = "", timeout: Optional[float] = None
    ) -> delivery_pb.Destination:
        """One destination of its owner. Errors: DESTINATION_NOT_FOUND."""
        request = delivery_pb.GetDestinationRequest(
            account_id=account_id, partner_id=partner_id, destination_id=destination_id
        )
        return self.deliveries.GetDestination(request, **_call_options(timeout)).destination

    def list_destinations(
        self, account_id: str = "", partner_id: str = "", timeout: Optional[float] = None
    ) -> List[delivery_pb.Destination]:
        """The destinations of an account (its own and its partner's, whose ``partner_id`` is
        set) or of a partner."""
        request = delivery_pb.ListDestinationsRequest(account_id=account_id, partner_id=partner_id)
        return list(self.deliveries.ListDestinations(request, **_call_options(timeout)).destinations)

    def update_destination(
        self,
        destination_id: str,
        account_id: str = "",
        partner_id: str = "",
        url: Optional[str] = None,
        goal_keys: Optional[Iterable[str]] = None,
        triggers: Optional[Iterable[int]] = None,
        status_map: Optional[Mapping[str, str]] = None,
        paused: Optional[bool] = None,
        max_concurrency: Optional[int] = None,
        max_requests_per_second: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> delivery_pb.Destination:
        """Changes what is given (None: unchanged; a list or map given replaces the old one, empty
        included). Errors: DESTINATION_NOT_FOUND, DESTINATION_ADDRESS_FORBIDDEN, INVALID_PARAMETER."""
        fields: Dict[str, Any] = _set(
            url=url, paused=paused, max_concurrency=max_concurrency, max_requests_per_second=max_requests_per_second
        )
        if goal_keys is not None:
            fields.update(replace_goal_keys=True, goal_keys=list(goal_keys))
        if triggers is not None:
            fields.update(replace_triggers=True, triggers=list(triggers))
        if status_map is not None:
            fields.update(replace_status_map=True, status_map=dict(status_map))
        request = delivery_pb.UpdateDestinationRequest(
            account_id=account_id, partner_id=partner_id, destination_id=destination_id, **fields
        )
        return self.deliveries.UpdateDestination(request, **_call_options(timeout)).destination

    def pause_destination(
        self, destination_id: str, account_id: str = "", partner_id: str = "", timeout: Optional[float] = None
    ) -> delivery_pb.Destination:
        """Pauses a destination: its jobs wait, neither sent nor dropped."""
        return self.update_destination(destination_id, account_id, partner_id, paused=True, timeout=timeout)

    def resume_destination(
        self, destination_id: str, account_id: str = "", partner_id: str = "", timeout: Optional[float] = None
    ) -> delivery_pb.Destination:
        """Resumes a paused destination (and closes an open circuit breaker)."""
        return self.update_destination(destination_id, account_id, partner_id, paused=False, timeout=timeout)

    def delete_destination(
        self, destination_id: str, account_id: str = "", partner_id: str = "", timeout: Optional[float] = None
    ) -> None:
        """Deletes a destination; its pending jobs are cancelled. Errors: DESTINATION_NOT_FOUND."""
        request = delivery_pb.DeleteDestinationRequest(
            account_id=account_id, partner_id=partner_id, destination_id=destination_id
        )
        self.deliveries.DeleteDestination(request, **_call_options(timeout))

    def test_destination(
        self, destination_id: str, account_id: str = "", partner_id: str = "", timeout: Optional[float] = None
    ) -> delivery_pb.TestDestinationResponse:
        """Sends a synthetic test conversion now (delivery id ``test_…``; nothing queued or
        retried): ``.attempt`` (status code, latency, error) and ``.request_url``."""
        request = delivery_pb.TestDestinationRequest(
            account_id=account_id, partner_id=partner_id, destination_id=destination_id
        )
        return self.deliveries.TestDestination(request, **_call_options(timeout))

    def rotate_destination_secret(
        self,
        destination_id: str,
        account_id: str = "",
        partner_id: str = "",
        grace_period: Optional[Span] = None,
        timeout: Optional[float] = None,
    ) -> delivery_pb.RotateDestinationSecretResponse:
        """Gives a webhook destination a new signing secret (``.signing_secret``, shown once); the
        previous one keeps signing beside it for ``grace_period`` (None: 24 h; at most 30 days),
        until ``.previous_secret_expire_time``. Errors: DESTINATION_NOT_FOUND, INVALID_PARAMETER."""
        request = delivery_pb.RotateDestinationSecretRequest(
            account_id=account_id,
            partner_id=partner_id,
            destination_id=destination_id,
            grace_period=_duration(grace_period),
        )
        return self.deliveries.RotateDestinationSecret(request, **_call_options(timeout))

    # -- the delivery log --

    def list_deliveries(
        self,
        account_id: str,
        failed_only: bool = False,
        destination_id: str = "",
        kcid: str = "",
        page_size: int = 0,
        page_token: str = "",
        timeout: Optional[float] = None,
    ) -> delivery_pb.ListDeliveriesResponse:
        """One page of the account's delivery log, newest first, every job with its attempts
        (``deliveries``; pass ``next_page_token`` back as ``page_token``, or use
        :meth:`iter_deliveries`). ``failed_only``: dead-lettered jobs only."""
        request = delivery_pb.ListDeliveriesRequest(
            account_id=account_id,
            failed_only=failed_only,
            destination_id=destination_id,
            kcid=kcid,
            page_size=page_size,
            page_token=page_token,
        )
        return self.deliveries.ListDeliveries(request, **_call_options(timeout))

    def iter_deliveries(
        self,
        account_id: str,
        failed_only: bool = False,
        destination_id: str = "",
        kcid: str = "",
        page_size: int = 0,
        timeout: Optional[float] = None,
    ) -> Iterator[delivery_pb.Delivery]:
        """Every job of the account's delivery log, newest first, fetching pages of ``page_size``
        (0: 100) as the iteration needs them; ``timeout`` applies to each page."""

        def fetch(token: str) -> Tuple[Iterable[delivery_pb.Delivery], str]:
            page = self.list_deliveries(
                account_id, failed_only, destination_id, kcid, page_size=page_size, page_token=token, timeout=timeout
            )
            return page.deliveries, page.next_page_token

        return _pages(fetch)

    def preview_redeliver(
        self,
        account_id: str,
        delivery_id: str = "",
        destination_id: str = "",
        start_time: Optional[Time] = None,
        end_time: Optional[Time] = None,
        include_delivered: bool = False,
        timeout: Optional[float] = None,
    ) -> List[str]:
        """The delivery ids :meth:`redeliver` would queue again with the same arguments; queues
        nothing (a dry run)."""
        return self._redeliver(account_id, delivery_id, destination_id, start_time, end_time, include_delivered, True, timeout)

    def redeliver(
        self,
        account_id: str,
        delivery_id: str = "",
        destination_id: str = "",
        start_time: Optional[Time] = None,
        end_time: Optional[Time] = None,
        include_delivered: bool = False,
        timeout: Optional[float] = None,
    ) -> List[str]:
        """Queues one job (``delivery_id``) or every dead-lettered job of the account in
        [``start_time``, ``end_time``) (of ``destination_id`` when given; delivered ones too with
        ``include_delivered``) again, keeping their delivery ids (so ``webhook-id``); returns the
        ids queued. Run :meth:`preview_redeliver` first."""
        return self._redeliver(account_id, delivery_id, destination_id, start_time, end_time, include_delivered, False, timeout)

    def _redeliver(
        self,
        account_id: str,
        delivery_id: str,
        destination_id: str,
        start_time: Optional[Time],
        end_time: Optional[Time],
        include_delivered: bool,
        dry_run: bool,
        timeout: Optional[float],
    ) -> List[str]:
        request = delivery_pb.RedeliverRequest(
            account_id=account_id,
            delivery_id=delivery_id,
            destination_id=destination_id,
            start_time=_timestamp(start_time),
            end_time=_timestamp(end_time),
            include_delivered=include_delivered,
            dry_run=dry_run,
        )
        return list(self.deliveries.Redeliver(request, **_call_options(timeout)).delivery_ids)
