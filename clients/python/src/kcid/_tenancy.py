"""Snake_case calls of partners, accounts, scoped API keys, the calling key and partner stats.

Like :mod:`kcid._operations`, they build the request from keyword arguments and call the
generated stubs, so API key, deadlines, retries and ``KcidError`` are those of any call.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple, TypeVar

from kcid._gen.tracking.v1 import admin_service_pb2 as admin_pb
from kcid._gen.tracking.v1 import partner_service_pb2 as partners_pb
from kcid._gen.tracking.v1 import report_service_pb2 as reports_pb
from kcid._gen.tracking.v1 import resources_pb2 as resources_pb
from kcid._operations import Time, _call_options, _stats_request

__all__ = ["TenancyOperations"]

T = TypeVar("T")


def _pages(fetch: Callable[[str], Tuple[Iterable[T], str]]) -> Iterator[T]:
    """Every item of every page, following the next-page token until it is empty; each page is
    fetched when the iteration reaches it."""
    token = ""
    while True:
        items, token = fetch(token)
        yield from items
        if not token:
            return


def _set(**fields: Any) -> dict:
    """The keyword arguments that were given: None means "leave unchanged" in an update."""
    return {name: value for name, value in fields.items() if value is not None}


class TenancyOperations:
    """Partners, their accounts, scoped API keys and the calling key, by their Python names.

    Each takes ``timeout=`` (seconds) to override the service config's deadline and raises
    :class:`kcid.KcidError` when it fails. Requires ``partners``, ``admin`` and ``reports`` stubs
    on the instance.
    """

    partners: Any
    admin: Any
    reports: Any

    # -- partners (PartnerService) --

    def create_partner(
        self,
        display_name: str,
        partner_id: str = "",
        s2s_active: Optional[bool] = None,
        defaults: Optional[partners_pb.PartnerDefaults] = None,
        timeout: Optional[float] = None,
    ) -> partners_pb.Partner:
        """Creates a partner (an agency or reseller that owns accounts), S2S tracking on unless
        ``s2s_active=False``; ``partner_id`` is derived from the name when empty. ``defaults``
        (``v1.PartnerDefaults``) are what its new accounts start from. Errors:
        PARTNER_ALREADY_EXISTS, INVALID_PARAMETER. Needs the ``admin`` role."""
        request = partners_pb.CreatePartnerRequest(
            partner_id=partner_id, display_name=display_name, defaults=defaults, **_set(s2s_active=s2s_active)
        )
        return self.partners.CreatePartner(request, **_call_options(timeout)).partner

    def get_partner(self, partner_id: str, timeout: Optional[float] = None) -> partners_pb.Partner:
        """One partner. Errors: PARTNER_NOT_FOUND."""
        request = partners_pb.GetPartnerRequest(partner_id=partner_id)
        return self.partners.GetPartner(request, **_call_options(timeout)).partner

    def list_partners(
        self, page_size: int = 0, page_token: str = "", timeout: Optional[float] = None
    ) -> partners_pb.ListPartnersResponse:
        """One page of partners ordered by id (``partners``; pass ``next_page_token`` back as
        ``page_token`` until it is empty, or use :meth:`iter_partners`)."""
        request = partners_pb.ListPartnersRequest(page_size=page_size, page_token=page_token)
        return self.partners.ListPartners(request, **_call_options(timeout))

    def iter_partners(self, page_size: int = 0, timeout: Optional[float] = None) -> Iterator[partners_pb.Partner]:
        """Every partner ordered by id, fetching pages of ``page_size`` (0: 100) as the iteration
        needs them; ``timeout`` applies to each page."""

        def fetch(token: str) -> Tuple[Iterable[partners_pb.Partner], str]:
            page = self.list_partners(page_size=page_size, page_token=token, timeout=timeout)
            return page.partners, page.next_page_token

        return _pages(fetch)

    def update_partner(
        self,
        partner_id: str,
        display_name: Optional[str] = None,
        s2s_active: Optional[bool] = None,
        defaults: Optional[partners_pb.PartnerDefaults] = None,
        timeout: Optional[float] = None,
    ) -> partners_pb.Partner:
        """Changes what is given (None: unchanged). ``s2s_active=False`` switches S2S tracking of
        every account of the partner off: new clicks and postbacks fail with PARTNER_INACTIVE
        (every server sees it within its account cache TTL), stored data stays readable;
        ``True`` resumes. ``defaults`` replaces the defaults (for accounts created afterwards).
        Errors: PARTNER_NOT_FOUND, INVALID_PARAMETER."""
        request = partners_pb.UpdatePartnerRequest(
            partner_id=partner_id, defaults=defaults, **_set(display_name=display_name, s2s_active=s2s_active)
        )
        return self.partners.UpdatePartner(request, **_call_options(timeout)).partner

    def delete_partner(self, partner_id: str, cascade: bool = False, timeout: Optional[float] = None) -> List[str]:
        """Deletes a partner; returns the ids of the accounts deleted with it. Refused with
        PARTNER_HAS_ACCOUNTS while it owns accounts unless ``cascade=True``, which deletes them
        too. The "default" partner cannot be deleted."""
        request = partners_pb.DeletePartnerRequest(partner_id=partner_id, cascade=cascade)
        return list(self.partners.DeletePartner(request, **_call_options(timeout)).deleted_account_ids)

    # -- accounts and API keys (AdminService) --

    def create_account(
        self,
        display_name: str = "",
        account_id: str = "",
        partner_id: str = "",
        time_zone: str = "",
        currency_code: str = "",
        kcid_parameter: str = "",
        request_id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> admin_pb.CreateAccountResponse:
        """Creates an account under ``partner_id`` ("default" when empty; PARTNER_NOT_FOUND when
        unknown): ``.account``, and ``.secrets`` (postback token, click secret), shown only now.
        ``time_zone`` and ``currency_code`` default to the partner's defaults. ``request_id``
        makes a retry return the first answer, secrets included; the server takes one only with
        an ``account_id`` (so a retry names the same account), and with one a fresh
        ``request_id`` is sent when None is given."""
        if request_id is None:
            request_id = uuid.uuid4().hex if account_id else ""
        request = admin_pb.CreateAccountRequest(
            account_id=account_id,
            display_name=display_name,
            partner_id=partner_id,
            time_zone=time_zone,
            currency_code=currency_code,
            kcid_parameter=kcid_parameter,
            request_id=request_id,
        )
        return self.admin.CreateAccount(request, **_call_options(timeout))

    def update_account(
        self,
        account_id: str,
        display_name: Optional[str] = None,
        partner_id: Optional[str] = None,
        time_zone: Optional[str] = None,
        currency_code: Optional[str] = None,
        request_id: str = "",
        timeout: Optional[float] = None,
    ) -> resources_pb.Account:
        """Changes what is given (None: unchanged). ``partner_id`` moves the account to another
        partner (platform keys only): its clicks, conversions, goals, secrets and history stay
        with it, and the new partner's S2S switch applies. Errors: ACCOUNT_NOT_FOUND,
        PARTNER_NOT_FOUND, INVALID_PARAMETER. Other settings: ``admin.UpdateAccount``."""
        request = admin_pb.UpdateAccountRequest(
            account_id=account_id,
            request_id=request_id,
            **_set(display_name=display_name, partner_id=partner_id, time_zone=time_zone, currency_code=currency_code),
        )
        return self.admin.UpdateAccount(request, **_call_options(timeout)).account

    def list_accounts(
        self, partner_id: str = "", page_size: int = 0, page_token: str = "", timeout: Optional[float] = None
    ) -> admin_pb.ListAccountsResponse:
        """One page of accounts ordered by id (those of ``partner_id`` when given); see
        :meth:`iter_accounts`. A scoped key sees only the accounts in its scope."""
        request = admin_pb.ListAccountsRequest(partner_id=partner_id, page_size=page_size, page_token=page_token)
        return self.admin.ListAccounts(request, **_call_options(timeout))

    def iter_accounts(
        self, partner_id: str = "", page_size: int = 0, timeout: Optional[float] = None
    ) -> Iterator[resources_pb.Account]:
        """Every account ordered by id (of ``partner_id`` when given), page by page as the
        iteration needs them."""

        def fetch(token: str) -> Tuple[Iterable[resources_pb.Account], str]:
            page = self.list_accounts(partner_id=partner_id, page_size=page_size, page_token=token, timeout=timeout)
            return page.accounts, page.next_page_token

        return _pages(fetch)

    def create_api_key(
        self,
        name: str,
        roles: Iterable[int],
        partner_id: str = "",
        account_id: str = "",
        timeout: Optional[float] = None,
    ) -> admin_pb.CreateApiKeyResponse:
        """Creates an API key with ``roles`` (``v1.API_KEY_ROLE_*``) within a scope: the platform
        (neither id), one partner and its accounts (``partner_id``) or one account
        (``account_id``). ``.secret`` is shown only now. Outside its scope the key is refused
        with API_KEY_SCOPE_DENIED."""
        request = admin_pb.CreateApiKeyRequest(
            name=name, roles=list(roles), partner_id=partner_id, account_id=account_id
        )
        return self.admin.CreateApiKey(request, **_call_options(timeout))

    def caller(self, timeout: Optional[float] = None) -> admin_pb.ApiKey:
        """The key this client calls with: ``name``, ``roles`` and scope (``partner_id``,
        ``account_id``; both empty: platform), never its secret. Any valid key may ask."""
        return self.admin.GetCaller(admin_pb.GetCallerRequest(), **_call_options(timeout)).api_key

    # -- partner roll-up (ReportService) --

    def get_partner_stats(
        self,
        partner_id: str,
        start_time: Time,
        end_time: Optional[Time] = None,
        group_by: Iterable[int] = (reports_pb.STATS_DIMENSION_ACCOUNT,),
        time_zone: str = "",
        timeout: Optional[float] = None,
    ) -> reports_pb.GetStatsResponse:
        """:meth:`get_stats` over every account of a partner: by default one row per account
        (``row.account_id``) and the partner's totals. ``time_zone`` defaults to the partner's.
        Errors: PARTNER_NOT_FOUND, INVALID_PARAMETER. Needs the ``read`` role."""
        request = _stats_request(start_time, end_time, group_by, time_zone, partner_id=partner_id)
        return self.reports.GetStats(request, **_call_options(timeout))
