import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kcid._gen.tracking.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SecretKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECRET_KIND_UNSPECIFIED: _ClassVar[SecretKind]
    SECRET_KIND_POSTBACK_TOKEN: _ClassVar[SecretKind]
    SECRET_KIND_CLICK_SECRET: _ClassVar[SecretKind]
    SECRET_KIND_POSTBACK_SIGNING_SECRET: _ClassVar[SecretKind]

class ApiKeyRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    API_KEY_ROLE_UNSPECIFIED: _ClassVar[ApiKeyRole]
    API_KEY_ROLE_ISSUE: _ClassVar[ApiKeyRole]
    API_KEY_ROLE_INGEST: _ClassVar[ApiKeyRole]
    API_KEY_ROLE_READ: _ClassVar[ApiKeyRole]
    API_KEY_ROLE_ADMIN: _ClassVar[ApiKeyRole]

class BotRangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOT_RANGE_KIND_UNSPECIFIED: _ClassVar[BotRangeKind]
    BOT_RANGE_KIND_BOT: _ClassVar[BotRangeKind]
    BOT_RANGE_KIND_DATACENTER: _ClassVar[BotRangeKind]
SECRET_KIND_UNSPECIFIED: SecretKind
SECRET_KIND_POSTBACK_TOKEN: SecretKind
SECRET_KIND_CLICK_SECRET: SecretKind
SECRET_KIND_POSTBACK_SIGNING_SECRET: SecretKind
API_KEY_ROLE_UNSPECIFIED: ApiKeyRole
API_KEY_ROLE_ISSUE: ApiKeyRole
API_KEY_ROLE_INGEST: ApiKeyRole
API_KEY_ROLE_READ: ApiKeyRole
API_KEY_ROLE_ADMIN: ApiKeyRole
BOT_RANGE_KIND_UNSPECIFIED: BotRangeKind
BOT_RANGE_KIND_BOT: BotRangeKind
BOT_RANGE_KIND_DATACENTER: BotRangeKind

class CreateAccountRequest(_message.Message):
    __slots__ = ("account_id", "display_name", "kcid_parameter", "request_id", "partner_id", "time_zone", "currency_code", "status_map", "ignore_status", "postback_response_format", "flagged_click_action", "velocity_limit", "velocity_action", "reporting_currency")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _resources_pb2.ConversionStatus
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KCID_PARAMETER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    IGNORE_STATUS_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_CLICK_ACTION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_ACTION_FIELD_NUMBER: _ClassVar[int]
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    display_name: str
    kcid_parameter: str
    request_id: str
    partner_id: str
    time_zone: str
    currency_code: str
    status_map: _containers.ScalarMap[str, _resources_pb2.ConversionStatus]
    ignore_status: bool
    postback_response_format: _resources_pb2.PostbackResponseFormat
    flagged_click_action: _resources_pb2.SuspectAction
    velocity_limit: int
    velocity_action: _resources_pb2.SuspectAction
    reporting_currency: str
    def __init__(self, account_id: _Optional[str] = ..., display_name: _Optional[str] = ..., kcid_parameter: _Optional[str] = ..., request_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., time_zone: _Optional[str] = ..., currency_code: _Optional[str] = ..., status_map: _Optional[_Mapping[str, _resources_pb2.ConversionStatus]] = ..., ignore_status: _Optional[bool] = ..., postback_response_format: _Optional[_Union[_resources_pb2.PostbackResponseFormat, str]] = ..., flagged_click_action: _Optional[_Union[_resources_pb2.SuspectAction, str]] = ..., velocity_limit: _Optional[int] = ..., velocity_action: _Optional[_Union[_resources_pb2.SuspectAction, str]] = ..., reporting_currency: _Optional[str] = ...) -> None: ...

class CreateAccountResponse(_message.Message):
    __slots__ = ("account", "secrets")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    account: _resources_pb2.Account
    secrets: _resources_pb2.AccountSecrets
    def __init__(self, account: _Optional[_Union[_resources_pb2.Account, _Mapping]] = ..., secrets: _Optional[_Union[_resources_pb2.AccountSecrets, _Mapping]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _resources_pb2.Account
    def __init__(self, account: _Optional[_Union[_resources_pb2.Account, _Mapping]] = ...) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ("account_id", "display_name", "kcid_parameter", "default_goal_key", "legacy_http_200", "postback_auth", "request_id", "update_auth_methods", "update_ip_allowlist", "partner_id", "time_zone", "currency_code", "status_map", "update_status_map", "ignore_status", "postback_response_format", "flagged_click_action", "velocity_limit", "velocity_action", "reporting_currency")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _resources_pb2.ConversionStatus
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KCID_PARAMETER_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    LEGACY_HTTP_200_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_AUTH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_AUTH_METHODS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_IP_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    UPDATE_STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    IGNORE_STATUS_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_CLICK_ACTION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_ACTION_FIELD_NUMBER: _ClassVar[int]
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    display_name: str
    kcid_parameter: str
    default_goal_key: str
    legacy_http_200: bool
    postback_auth: _resources_pb2.PostbackAuth
    request_id: str
    update_auth_methods: bool
    update_ip_allowlist: bool
    partner_id: str
    time_zone: str
    currency_code: str
    status_map: _containers.ScalarMap[str, _resources_pb2.ConversionStatus]
    update_status_map: bool
    ignore_status: bool
    postback_response_format: _resources_pb2.PostbackResponseFormat
    flagged_click_action: _resources_pb2.SuspectAction
    velocity_limit: int
    velocity_action: _resources_pb2.SuspectAction
    reporting_currency: str
    def __init__(self, account_id: _Optional[str] = ..., display_name: _Optional[str] = ..., kcid_parameter: _Optional[str] = ..., default_goal_key: _Optional[str] = ..., legacy_http_200: _Optional[bool] = ..., postback_auth: _Optional[_Union[_resources_pb2.PostbackAuth, _Mapping]] = ..., request_id: _Optional[str] = ..., update_auth_methods: _Optional[bool] = ..., update_ip_allowlist: _Optional[bool] = ..., partner_id: _Optional[str] = ..., time_zone: _Optional[str] = ..., currency_code: _Optional[str] = ..., status_map: _Optional[_Mapping[str, _resources_pb2.ConversionStatus]] = ..., update_status_map: _Optional[bool] = ..., ignore_status: _Optional[bool] = ..., postback_response_format: _Optional[_Union[_resources_pb2.PostbackResponseFormat, str]] = ..., flagged_click_action: _Optional[_Union[_resources_pb2.SuspectAction, str]] = ..., velocity_limit: _Optional[int] = ..., velocity_action: _Optional[_Union[_resources_pb2.SuspectAction, str]] = ..., reporting_currency: _Optional[str] = ...) -> None: ...

class UpdateAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _resources_pb2.Account
    def __init__(self, account: _Optional[_Union[_resources_pb2.Account, _Mapping]] = ...) -> None: ...

class RotateAccountSecretRequest(_message.Message):
    __slots__ = ("account_id", "kind", "grace_period", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    kind: SecretKind
    grace_period: _duration_pb2.Duration
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., kind: _Optional[_Union[SecretKind, str]] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RotateAccountSecretResponse(_message.Message):
    __slots__ = ("secrets", "previous_expire_time")
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    secrets: _resources_pb2.AccountSecrets
    previous_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, secrets: _Optional[_Union[_resources_pb2.AccountSecrets, _Mapping]] = ..., previous_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "partner_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    partner_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., partner_id: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts", "next_page_token")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Account]
    next_page_token: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[_resources_pb2.Account, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateGoalRequest(_message.Message):
    __slots__ = ("account_id", "goal_key", "display_name", "attribution_window", "counting_mode", "default_value", "state", "min_time_to_convert", "campaign_ids", "allow_negative_value", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    COUNTING_MODE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MIN_TIME_TO_CONVERT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_IDS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_NEGATIVE_VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    goal_key: str
    display_name: str
    attribution_window: _duration_pb2.Duration
    counting_mode: _resources_pb2.CountingMode
    default_value: _resources_pb2.Money
    state: _resources_pb2.GoalState
    min_time_to_convert: _duration_pb2.Duration
    campaign_ids: _containers.RepeatedScalarFieldContainer[str]
    allow_negative_value: bool
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., display_name: _Optional[str] = ..., attribution_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., counting_mode: _Optional[_Union[_resources_pb2.CountingMode, str]] = ..., default_value: _Optional[_Union[_resources_pb2.Money, _Mapping]] = ..., state: _Optional[_Union[_resources_pb2.GoalState, str]] = ..., min_time_to_convert: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., campaign_ids: _Optional[_Iterable[str]] = ..., allow_negative_value: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateGoalResponse(_message.Message):
    __slots__ = ("goal",)
    GOAL_FIELD_NUMBER: _ClassVar[int]
    goal: _resources_pb2.Goal
    def __init__(self, goal: _Optional[_Union[_resources_pb2.Goal, _Mapping]] = ...) -> None: ...

class GetGoalRequest(_message.Message):
    __slots__ = ("account_id", "goal_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    goal_key: str
    def __init__(self, account_id: _Optional[str] = ..., goal_key: _Optional[str] = ...) -> None: ...

class GetGoalResponse(_message.Message):
    __slots__ = ("goal",)
    GOAL_FIELD_NUMBER: _ClassVar[int]
    goal: _resources_pb2.Goal
    def __init__(self, goal: _Optional[_Union[_resources_pb2.Goal, _Mapping]] = ...) -> None: ...

class ListGoalsRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListGoalsResponse(_message.Message):
    __slots__ = ("goals",)
    GOALS_FIELD_NUMBER: _ClassVar[int]
    goals: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Goal]
    def __init__(self, goals: _Optional[_Iterable[_Union[_resources_pb2.Goal, _Mapping]]] = ...) -> None: ...

class UpdateGoalRequest(_message.Message):
    __slots__ = ("account_id", "goal_key", "display_name", "attribution_window", "counting_mode", "default_value", "state", "min_time_to_convert", "campaign_ids", "update_campaign_ids", "allow_negative_value", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    COUNTING_MODE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MIN_TIME_TO_CONVERT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_IDS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CAMPAIGN_IDS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_NEGATIVE_VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    goal_key: str
    display_name: str
    attribution_window: _duration_pb2.Duration
    counting_mode: _resources_pb2.CountingMode
    default_value: _resources_pb2.Money
    state: _resources_pb2.GoalState
    min_time_to_convert: _duration_pb2.Duration
    campaign_ids: _containers.RepeatedScalarFieldContainer[str]
    update_campaign_ids: bool
    allow_negative_value: bool
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., display_name: _Optional[str] = ..., attribution_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., counting_mode: _Optional[_Union[_resources_pb2.CountingMode, str]] = ..., default_value: _Optional[_Union[_resources_pb2.Money, _Mapping]] = ..., state: _Optional[_Union[_resources_pb2.GoalState, str]] = ..., min_time_to_convert: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., campaign_ids: _Optional[_Iterable[str]] = ..., update_campaign_ids: _Optional[bool] = ..., allow_negative_value: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateGoalResponse(_message.Message):
    __slots__ = ("goal",)
    GOAL_FIELD_NUMBER: _ClassVar[int]
    goal: _resources_pb2.Goal
    def __init__(self, goal: _Optional[_Union[_resources_pb2.Goal, _Mapping]] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("name", "roles", "create_time", "hint", "partner_id", "account_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HINT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    roles: _containers.RepeatedScalarFieldContainer[ApiKeyRole]
    create_time: _timestamp_pb2.Timestamp
    hint: str
    partner_id: str
    account_id: str
    def __init__(self, name: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[ApiKeyRole, str]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hint: _Optional[str] = ..., partner_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("name", "roles", "partner_id", "account_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    roles: _containers.RepeatedScalarFieldContainer[ApiKeyRole]
    partner_id: str
    account_id: str
    def __init__(self, name: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[ApiKeyRole, str]]] = ..., partner_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "secret")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys",)
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    def __init__(self, api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCallerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCallerResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class LoadBotRangesRequest(_message.Message):
    __slots__ = ("kind", "lines", "first_line_number")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    FIRST_LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    kind: BotRangeKind
    lines: _containers.RepeatedScalarFieldContainer[str]
    first_line_number: int
    def __init__(self, kind: _Optional[_Union[BotRangeKind, str]] = ..., lines: _Optional[_Iterable[str]] = ..., first_line_number: _Optional[int] = ...) -> None: ...

class BadRangeLine(_message.Message):
    __slots__ = ("line_number", "text", "message")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    text: str
    message: str
    def __init__(self, line_number: _Optional[int] = ..., text: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class LoadBotRangesResponse(_message.Message):
    __slots__ = ("loaded", "bad_lines")
    LOADED_FIELD_NUMBER: _ClassVar[int]
    BAD_LINES_FIELD_NUMBER: _ClassVar[int]
    loaded: int
    bad_lines: _containers.RepeatedCompositeFieldContainer[BadRangeLine]
    def __init__(self, loaded: _Optional[int] = ..., bad_lines: _Optional[_Iterable[_Union[BadRangeLine, _Mapping]]] = ...) -> None: ...

class ListBotRangesRequest(_message.Message):
    __slots__ = ("kind",)
    KIND_FIELD_NUMBER: _ClassVar[int]
    kind: BotRangeKind
    def __init__(self, kind: _Optional[_Union[BotRangeKind, str]] = ...) -> None: ...

class BotRange(_message.Message):
    __slots__ = ("kind", "cidr")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CIDR_FIELD_NUMBER: _ClassVar[int]
    kind: BotRangeKind
    cidr: str
    def __init__(self, kind: _Optional[_Union[BotRangeKind, str]] = ..., cidr: _Optional[str] = ...) -> None: ...

class ListBotRangesResponse(_message.Message):
    __slots__ = ("ranges",)
    RANGES_FIELD_NUMBER: _ClassVar[int]
    ranges: _containers.RepeatedCompositeFieldContainer[BotRange]
    def __init__(self, ranges: _Optional[_Iterable[_Union[BotRange, _Mapping]]] = ...) -> None: ...

class ClearBotRangesRequest(_message.Message):
    __slots__ = ("kind",)
    KIND_FIELD_NUMBER: _ClassVar[int]
    kind: BotRangeKind
    def __init__(self, kind: _Optional[_Union[BotRangeKind, str]] = ...) -> None: ...

class ClearBotRangesResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class LoadExchangeRatesRequest(_message.Message):
    __slots__ = ("lines", "first_line_number")
    LINES_FIELD_NUMBER: _ClassVar[int]
    FIRST_LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedScalarFieldContainer[str]
    first_line_number: int
    def __init__(self, lines: _Optional[_Iterable[str]] = ..., first_line_number: _Optional[int] = ...) -> None: ...

class BadRateLine(_message.Message):
    __slots__ = ("line_number", "text", "message")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    text: str
    message: str
    def __init__(self, line_number: _Optional[int] = ..., text: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class LoadExchangeRatesResponse(_message.Message):
    __slots__ = ("days", "rates", "bad_lines", "first_date", "last_date")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    BAD_LINES_FIELD_NUMBER: _ClassVar[int]
    FIRST_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_DATE_FIELD_NUMBER: _ClassVar[int]
    days: int
    rates: int
    bad_lines: _containers.RepeatedCompositeFieldContainer[BadRateLine]
    first_date: str
    last_date: str
    def __init__(self, days: _Optional[int] = ..., rates: _Optional[int] = ..., bad_lines: _Optional[_Iterable[_Union[BadRateLine, _Mapping]]] = ..., first_date: _Optional[str] = ..., last_date: _Optional[str] = ...) -> None: ...

class ListExchangeRatesRequest(_message.Message):
    __slots__ = ("limit", "before_date")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_DATE_FIELD_NUMBER: _ClassVar[int]
    limit: int
    before_date: str
    def __init__(self, limit: _Optional[int] = ..., before_date: _Optional[str] = ...) -> None: ...

class ExchangeRateDay(_message.Message):
    __slots__ = ("date", "rates_per_eur")
    class RatesPerEurEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DATE_FIELD_NUMBER: _ClassVar[int]
    RATES_PER_EUR_FIELD_NUMBER: _ClassVar[int]
    date: str
    rates_per_eur: _containers.ScalarMap[str, str]
    def __init__(self, date: _Optional[str] = ..., rates_per_eur: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListExchangeRatesResponse(_message.Message):
    __slots__ = ("days", "total_days")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[ExchangeRateDay]
    total_days: int
    def __init__(self, days: _Optional[_Iterable[_Union[ExchangeRateDay, _Mapping]]] = ..., total_days: _Optional[int] = ...) -> None: ...

class SetConversionCapRequest(_message.Message):
    __slots__ = ("account_id", "cap")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    cap: _resources_pb2.ConversionCap
    def __init__(self, account_id: _Optional[str] = ..., cap: _Optional[_Union[_resources_pb2.ConversionCap, _Mapping]] = ...) -> None: ...

class SetConversionCapResponse(_message.Message):
    __slots__ = ("cap",)
    CAP_FIELD_NUMBER: _ClassVar[int]
    cap: _resources_pb2.ConversionCap
    def __init__(self, cap: _Optional[_Union[_resources_pb2.ConversionCap, _Mapping]] = ...) -> None: ...

class ListConversionCapsRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ConversionCapUsage(_message.Message):
    __slots__ = ("cap", "period", "used_conversions", "used_value")
    CAP_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    USED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    USED_VALUE_FIELD_NUMBER: _ClassVar[int]
    cap: _resources_pb2.ConversionCap
    period: str
    used_conversions: int
    used_value: _resources_pb2.Money
    def __init__(self, cap: _Optional[_Union[_resources_pb2.ConversionCap, _Mapping]] = ..., period: _Optional[str] = ..., used_conversions: _Optional[int] = ..., used_value: _Optional[_Union[_resources_pb2.Money, _Mapping]] = ...) -> None: ...

class ListConversionCapsResponse(_message.Message):
    __slots__ = ("caps", "changes")
    CAPS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    caps: _containers.RepeatedCompositeFieldContainer[ConversionCapUsage]
    changes: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ConversionCapChange]
    def __init__(self, caps: _Optional[_Iterable[_Union[ConversionCapUsage, _Mapping]]] = ..., changes: _Optional[_Iterable[_Union[_resources_pb2.ConversionCapChange, _Mapping]]] = ...) -> None: ...

class DeleteConversionCapRequest(_message.Message):
    __slots__ = ("account_id", "cap_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CAP_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    cap_id: str
    def __init__(self, account_id: _Optional[str] = ..., cap_id: _Optional[str] = ...) -> None: ...

class DeleteConversionCapResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
