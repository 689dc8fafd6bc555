import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kcid._gen.tracking.v1 import error_reason_pb2 as _error_reason_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClickFlag(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLICK_FLAG_UNSPECIFIED: _ClassVar[ClickFlag]
    CLICK_FLAG_BOT_USER_AGENT: _ClassVar[ClickFlag]
    CLICK_FLAG_BOT_RANGE: _ClassVar[ClickFlag]
    CLICK_FLAG_DATACENTER: _ClassVar[ClickFlag]

class SuspectAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUSPECT_ACTION_UNSPECIFIED: _ClassVar[SuspectAction]
    SUSPECT_ACTION_ACCEPT: _ClassVar[SuspectAction]
    SUSPECT_ACTION_PENDING: _ClassVar[SuspectAction]
    SUSPECT_ACTION_REJECT: _ClassVar[SuspectAction]

class ConversionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSION_STATUS_UNSPECIFIED: _ClassVar[ConversionStatus]
    CONVERSION_STATUS_PENDING: _ClassVar[ConversionStatus]
    CONVERSION_STATUS_APPROVED: _ClassVar[ConversionStatus]
    CONVERSION_STATUS_REJECTED: _ClassVar[ConversionStatus]

class FxState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FX_STATE_UNSPECIFIED: _ClassVar[FxState]
    FX_STATE_SAME_CURRENCY: _ClassVar[FxState]
    FX_STATE_CONVERTED: _ClassVar[FxState]
    FX_STATE_RATE_MISSING: _ClassVar[FxState]
    FX_STATE_CONVERTED_AT_READ: _ClassVar[FxState]

class CountingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COUNTING_MODE_UNSPECIFIED: _ClassVar[CountingMode]
    COUNTING_MODE_ONCE_PER_CLICK: _ClassVar[CountingMode]
    COUNTING_MODE_EVERY_POSTBACK: _ClassVar[CountingMode]
    COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK: _ClassVar[CountingMode]
    COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT: _ClassVar[CountingMode]

class GoalState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_STATE_UNSPECIFIED: _ClassVar[GoalState]
    GOAL_STATE_ACTIVE: _ClassVar[GoalState]
    GOAL_STATE_PAUSED: _ClassVar[GoalState]

class PostbackAuthMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSTBACK_AUTH_METHOD_UNSPECIFIED: _ClassVar[PostbackAuthMethod]
    POSTBACK_AUTH_METHOD_TOKEN: _ClassVar[PostbackAuthMethod]
    POSTBACK_AUTH_METHOD_SIGNATURE: _ClassVar[PostbackAuthMethod]

class CapPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAP_PERIOD_UNSPECIFIED: _ClassVar[CapPeriod]
    CAP_PERIOD_DAILY: _ClassVar[CapPeriod]
    CAP_PERIOD_MONTHLY: _ClassVar[CapPeriod]
    CAP_PERIOD_LIFETIME: _ClassVar[CapPeriod]

class CapAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAP_ACTION_UNSPECIFIED: _ClassVar[CapAction]
    CAP_ACTION_REJECT: _ClassVar[CapAction]
    CAP_ACTION_PENDING: _ClassVar[CapAction]

class PostbackResponseFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSTBACK_RESPONSE_FORMAT_UNSPECIFIED: _ClassVar[PostbackResponseFormat]
    POSTBACK_RESPONSE_FORMAT_JSON: _ClassVar[PostbackResponseFormat]
    POSTBACK_RESPONSE_FORMAT_TEXT_OK: _ClassVar[PostbackResponseFormat]
    POSTBACK_RESPONSE_FORMAT_TEXT_1: _ClassVar[PostbackResponseFormat]
    POSTBACK_RESPONSE_FORMAT_EMPTY: _ClassVar[PostbackResponseFormat]
CLICK_FLAG_UNSPECIFIED: ClickFlag
CLICK_FLAG_BOT_USER_AGENT: ClickFlag
CLICK_FLAG_BOT_RANGE: ClickFlag
CLICK_FLAG_DATACENTER: ClickFlag
SUSPECT_ACTION_UNSPECIFIED: SuspectAction
SUSPECT_ACTION_ACCEPT: SuspectAction
SUSPECT_ACTION_PENDING: SuspectAction
SUSPECT_ACTION_REJECT: SuspectAction
CONVERSION_STATUS_UNSPECIFIED: ConversionStatus
CONVERSION_STATUS_PENDING: ConversionStatus
CONVERSION_STATUS_APPROVED: ConversionStatus
CONVERSION_STATUS_REJECTED: ConversionStatus
FX_STATE_UNSPECIFIED: FxState
FX_STATE_SAME_CURRENCY: FxState
FX_STATE_CONVERTED: FxState
FX_STATE_RATE_MISSING: FxState
FX_STATE_CONVERTED_AT_READ: FxState
COUNTING_MODE_UNSPECIFIED: CountingMode
COUNTING_MODE_ONCE_PER_CLICK: CountingMode
COUNTING_MODE_EVERY_POSTBACK: CountingMode
COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK: CountingMode
COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT: CountingMode
GOAL_STATE_UNSPECIFIED: GoalState
GOAL_STATE_ACTIVE: GoalState
GOAL_STATE_PAUSED: GoalState
POSTBACK_AUTH_METHOD_UNSPECIFIED: PostbackAuthMethod
POSTBACK_AUTH_METHOD_TOKEN: PostbackAuthMethod
POSTBACK_AUTH_METHOD_SIGNATURE: PostbackAuthMethod
CAP_PERIOD_UNSPECIFIED: CapPeriod
CAP_PERIOD_DAILY: CapPeriod
CAP_PERIOD_MONTHLY: CapPeriod
CAP_PERIOD_LIFETIME: CapPeriod
CAP_ACTION_UNSPECIFIED: CapAction
CAP_ACTION_REJECT: CapAction
CAP_ACTION_PENDING: CapAction
POSTBACK_RESPONSE_FORMAT_UNSPECIFIED: PostbackResponseFormat
POSTBACK_RESPONSE_FORMAT_JSON: PostbackResponseFormat
POSTBACK_RESPONSE_FORMAT_TEXT_OK: PostbackResponseFormat
POSTBACK_RESPONSE_FORMAT_TEXT_1: PostbackResponseFormat
POSTBACK_RESPONSE_FORMAT_EMPTY: PostbackResponseFormat

class Money(_message.Message):
    __slots__ = ("amount", "currency_code")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    amount: str
    currency_code: str
    def __init__(self, amount: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class Click(_message.Message):
    __slots__ = ("kcid", "account_id", "campaign_id", "creative_id", "placement_id", "sub_ids", "destination_url", "click_time", "expire_time", "partition", "flag", "source_network")
    class SubIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KCID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_IDS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_URL_FIELD_NUMBER: _ClassVar[int]
    CLICK_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NETWORK_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    account_id: str
    campaign_id: str
    creative_id: str
    placement_id: str
    sub_ids: _containers.ScalarMap[str, str]
    destination_url: str
    click_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    partition: int
    flag: ClickFlag
    source_network: int
    def __init__(self, kcid: _Optional[str] = ..., account_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., creative_id: _Optional[str] = ..., placement_id: _Optional[str] = ..., sub_ids: _Optional[_Mapping[str, str]] = ..., destination_url: _Optional[str] = ..., click_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partition: _Optional[int] = ..., flag: _Optional[_Union[ClickFlag, str]] = ..., source_network: _Optional[int] = ...) -> None: ...

class Conversion(_message.Message):
    __slots__ = ("conversion_id", "kcid", "account_id", "goal_key", "status", "value", "transaction_id", "event_time", "record_time", "adv_sub_ids", "test", "click_time", "original_value", "history", "status_reason", "converted_value", "fx_rate", "fx_rate_date", "fx_state")
    class AdvSubIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    ADV_SUB_IDS_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    CLICK_TIME_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_VALUE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    CONVERTED_VALUE_FIELD_NUMBER: _ClassVar[int]
    FX_RATE_FIELD_NUMBER: _ClassVar[int]
    FX_RATE_DATE_FIELD_NUMBER: _ClassVar[int]
    FX_STATE_FIELD_NUMBER: _ClassVar[int]
    conversion_id: str
    kcid: str
    account_id: str
    goal_key: str
    status: ConversionStatus
    value: Money
    transaction_id: str
    event_time: _timestamp_pb2.Timestamp
    record_time: _timestamp_pb2.Timestamp
    adv_sub_ids: _containers.ScalarMap[str, str]
    test: bool
    click_time: _timestamp_pb2.Timestamp
    original_value: Money
    history: _containers.RepeatedCompositeFieldContainer[StatusChange]
    status_reason: _error_reason_pb2.ErrorReason
    converted_value: Money
    fx_rate: str
    fx_rate_date: str
    fx_state: FxState
    def __init__(self, conversion_id: _Optional[str] = ..., kcid: _Optional[str] = ..., account_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., status: _Optional[_Union[ConversionStatus, str]] = ..., value: _Optional[_Union[Money, _Mapping]] = ..., transaction_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., adv_sub_ids: _Optional[_Mapping[str, str]] = ..., test: _Optional[bool] = ..., click_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., original_value: _Optional[_Union[Money, _Mapping]] = ..., history: _Optional[_Iterable[_Union[StatusChange, _Mapping]]] = ..., status_reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., converted_value: _Optional[_Union[Money, _Mapping]] = ..., fx_rate: _Optional[str] = ..., fx_rate_date: _Optional[str] = ..., fx_state: _Optional[_Union[FxState, str]] = ...) -> None: ...

class StatusChange(_message.Message):
    __slots__ = ("from_status", "to_status", "reason", "value_before", "value_after", "change_time", "source")
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VALUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    VALUE_AFTER_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    from_status: ConversionStatus
    to_status: ConversionStatus
    reason: str
    value_before: Money
    value_after: Money
    change_time: _timestamp_pb2.Timestamp
    source: str
    def __init__(self, from_status: _Optional[_Union[ConversionStatus, str]] = ..., to_status: _Optional[_Union[ConversionStatus, str]] = ..., reason: _Optional[str] = ..., value_before: _Optional[_Union[Money, _Mapping]] = ..., value_after: _Optional[_Union[Money, _Mapping]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class Goal(_message.Message):
    __slots__ = ("account_id", "goal_key", "display_name", "attribution_window", "counting_mode", "default_value", "state", "create_time", "update_time", "min_time_to_convert", "campaign_ids", "allow_negative_value")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    COUNTING_MODE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MIN_TIME_TO_CONVERT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_IDS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_NEGATIVE_VALUE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    goal_key: str
    display_name: str
    attribution_window: _duration_pb2.Duration
    counting_mode: CountingMode
    default_value: Money
    state: GoalState
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    min_time_to_convert: _duration_pb2.Duration
    campaign_ids: _containers.RepeatedScalarFieldContainer[str]
    allow_negative_value: bool
    def __init__(self, account_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., display_name: _Optional[str] = ..., attribution_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., counting_mode: _Optional[_Union[CountingMode, str]] = ..., default_value: _Optional[_Union[Money, _Mapping]] = ..., state: _Optional[_Union[GoalState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., min_time_to_convert: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., campaign_ids: _Optional[_Iterable[str]] = ..., allow_negative_value: _Optional[bool] = ...) -> None: ...

class PostbackAuth(_message.Message):
    __slots__ = ("methods", "ip_allowlist", "signature_tolerance")
    METHODS_FIELD_NUMBER: _ClassVar[int]
    IP_ALLOWLIST_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    methods: _containers.RepeatedScalarFieldContainer[PostbackAuthMethod]
    ip_allowlist: _containers.RepeatedScalarFieldContainer[str]
    signature_tolerance: _duration_pb2.Duration
    def __init__(self, methods: _Optional[_Iterable[_Union[PostbackAuthMethod, str]]] = ..., ip_allowlist: _Optional[_Iterable[str]] = ..., signature_tolerance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_id", "display_name", "kcid_parameter", "default_goal_key", "create_time", "postback_token_hint", "click_retention", "legacy_http_200", "postback_auth", "partner_id", "time_zone", "currency_code", "flagged_click_action", "velocity_limit", "velocity_action", "status_map", "ignore_status", "postback_response_format", "reporting_currency", "conversion_caps")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ConversionStatus
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ConversionStatus, str]] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KCID_PARAMETER_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_TOKEN_HINT_FIELD_NUMBER: _ClassVar[int]
    CLICK_RETENTION_FIELD_NUMBER: _ClassVar[int]
    LEGACY_HTTP_200_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_AUTH_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_CLICK_ACTION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_ACTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    IGNORE_STATUS_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_CAPS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    display_name: str
    kcid_parameter: str
    default_goal_key: str
    create_time: _timestamp_pb2.Timestamp
    postback_token_hint: str
    click_retention: _duration_pb2.Duration
    legacy_http_200: bool
    postback_auth: PostbackAuth
    partner_id: str
    time_zone: str
    currency_code: str
    flagged_click_action: SuspectAction
    velocity_limit: int
    velocity_action: SuspectAction
    status_map: _containers.ScalarMap[str, ConversionStatus]
    ignore_status: bool
    postback_response_format: PostbackResponseFormat
    reporting_currency: str
    conversion_caps: _containers.RepeatedCompositeFieldContainer[ConversionCap]
    def __init__(self, account_id: _Optional[str] = ..., display_name: _Optional[str] = ..., kcid_parameter: _Optional[str] = ..., default_goal_key: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., postback_token_hint: _Optional[str] = ..., click_retention: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., legacy_http_200: _Optional[bool] = ..., postback_auth: _Optional[_Union[PostbackAuth, _Mapping]] = ..., partner_id: _Optional[str] = ..., time_zone: _Optional[str] = ..., currency_code: _Optional[str] = ..., flagged_click_action: _Optional[_Union[SuspectAction, str]] = ..., velocity_limit: _Optional[int] = ..., velocity_action: _Optional[_Union[SuspectAction, str]] = ..., status_map: _Optional[_Mapping[str, ConversionStatus]] = ..., ignore_status: _Optional[bool] = ..., postback_response_format: _Optional[_Union[PostbackResponseFormat, str]] = ..., reporting_currency: _Optional[str] = ..., conversion_caps: _Optional[_Iterable[_Union[ConversionCap, _Mapping]]] = ...) -> None: ...

class ConversionCap(_message.Message):
    __slots__ = ("cap_id", "goal_key", "campaign_id", "period", "max_conversions", "max_value", "action", "effective_from")
    CAP_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    MAX_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    cap_id: str
    goal_key: str
    campaign_id: str
    period: CapPeriod
    max_conversions: int
    max_value: Money
    action: CapAction
    effective_from: _timestamp_pb2.Timestamp
    def __init__(self, cap_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., campaign_id: _Optional[str] = ..., period: _Optional[_Union[CapPeriod, str]] = ..., max_conversions: _Optional[int] = ..., max_value: _Optional[_Union[Money, _Mapping]] = ..., action: _Optional[_Union[CapAction, str]] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConversionCapChange(_message.Message):
    __slots__ = ("cap_id", "change_time", "actor", "before", "after")
    CAP_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    cap_id: str
    change_time: _timestamp_pb2.Timestamp
    actor: str
    before: ConversionCap
    after: ConversionCap
    def __init__(self, cap_id: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., before: _Optional[_Union[ConversionCap, _Mapping]] = ..., after: _Optional[_Union[ConversionCap, _Mapping]] = ...) -> None: ...

class AccountSecrets(_message.Message):
    __slots__ = ("postback_token", "click_secret", "postback_signing_secret")
    POSTBACK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLICK_SECRET_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    postback_token: str
    click_secret: str
    postback_signing_secret: str
    def __init__(self, postback_token: _Optional[str] = ..., click_secret: _Optional[str] = ..., postback_signing_secret: _Optional[str] = ...) -> None: ...
