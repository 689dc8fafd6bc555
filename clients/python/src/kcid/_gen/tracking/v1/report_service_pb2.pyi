import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StatsDimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATS_DIMENSION_UNSPECIFIED: _ClassVar[StatsDimension]
    STATS_DIMENSION_CAMPAIGN: _ClassVar[StatsDimension]
    STATS_DIMENSION_GOAL: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_1: _ClassVar[StatsDimension]
    STATS_DIMENSION_HOUR: _ClassVar[StatsDimension]
    STATS_DIMENSION_DAY: _ClassVar[StatsDimension]
    STATS_DIMENSION_ACCOUNT: _ClassVar[StatsDimension]
    STATS_DIMENSION_CREATIVE: _ClassVar[StatsDimension]
    STATS_DIMENSION_PLACEMENT: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_2: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_3: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_4: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_5: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_6: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_7: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_8: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_9: _ClassVar[StatsDimension]
    STATS_DIMENSION_SUB_ID_10: _ClassVar[StatsDimension]
    STATS_DIMENSION_PARTNER: _ClassVar[StatsDimension]
STATS_DIMENSION_UNSPECIFIED: StatsDimension
STATS_DIMENSION_CAMPAIGN: StatsDimension
STATS_DIMENSION_GOAL: StatsDimension
STATS_DIMENSION_SUB_ID_1: StatsDimension
STATS_DIMENSION_HOUR: StatsDimension
STATS_DIMENSION_DAY: StatsDimension
STATS_DIMENSION_ACCOUNT: StatsDimension
STATS_DIMENSION_CREATIVE: StatsDimension
STATS_DIMENSION_PLACEMENT: StatsDimension
STATS_DIMENSION_SUB_ID_2: StatsDimension
STATS_DIMENSION_SUB_ID_3: StatsDimension
STATS_DIMENSION_SUB_ID_4: StatsDimension
STATS_DIMENSION_SUB_ID_5: StatsDimension
STATS_DIMENSION_SUB_ID_6: StatsDimension
STATS_DIMENSION_SUB_ID_7: StatsDimension
STATS_DIMENSION_SUB_ID_8: StatsDimension
STATS_DIMENSION_SUB_ID_9: StatsDimension
STATS_DIMENSION_SUB_ID_10: StatsDimension
STATS_DIMENSION_PARTNER: StatsDimension

class StatsFilter(_message.Message):
    __slots__ = ("dimension", "value")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    dimension: StatsDimension
    value: str
    def __init__(self, dimension: _Optional[_Union[StatsDimension, str]] = ..., value: _Optional[str] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ("account_id", "start_time", "end_time", "group_by", "time_zone", "partner_id", "filters", "reporting_currency")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    group_by: _containers.RepeatedScalarFieldContainer[StatsDimension]
    time_zone: str
    partner_id: str
    filters: _containers.RepeatedCompositeFieldContainer[StatsFilter]
    reporting_currency: str
    def __init__(self, account_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[_Iterable[_Union[StatsDimension, str]]] = ..., time_zone: _Optional[str] = ..., partner_id: _Optional[str] = ..., filters: _Optional[_Iterable[_Union[StatsFilter, _Mapping]]] = ..., reporting_currency: _Optional[str] = ...) -> None: ...

class CurrencyValue(_message.Message):
    __slots__ = ("currency_code", "approved_amount", "pending_amount", "rejected_amount")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PENDING_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    approved_amount: str
    pending_amount: str
    rejected_amount: str
    def __init__(self, currency_code: _Optional[str] = ..., approved_amount: _Optional[str] = ..., pending_amount: _Optional[str] = ..., rejected_amount: _Optional[str] = ...) -> None: ...

class TimeToConvertBucket(_message.Message):
    __slots__ = ("min_duration", "max_duration", "conversions")
    MIN_DURATION_FIELD_NUMBER: _ClassVar[int]
    MAX_DURATION_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    min_duration: _duration_pb2.Duration
    max_duration: _duration_pb2.Duration
    conversions: int
    def __init__(self, min_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., conversions: _Optional[int] = ...) -> None: ...

class StatsRow(_message.Message):
    __slots__ = ("campaign_id", "goal_key", "sub_id_1", "period_start_time", "period", "clicks", "conversions", "pending_conversions", "approved_conversions", "rejected_conversions", "values", "conversion_rate", "approval_rate", "time_to_convert", "account_id", "flagged_clicks", "flagged_conversions", "capped_conversions", "reporting_value", "unconverted_values", "missing_rates", "creative_id", "placement_id", "sub_id_2", "sub_id_3", "sub_id_4", "sub_id_5", "sub_id_6", "sub_id_7", "sub_id_8", "sub_id_9", "sub_id_10", "partner_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_1_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CLICKS_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    PENDING_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_RATE_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_RATE_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_CONVERT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_CLICKS_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    CAPPED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    REPORTING_VALUE_FIELD_NUMBER: _ClassVar[int]
    UNCONVERTED_VALUES_FIELD_NUMBER: _ClassVar[int]
    MISSING_RATES_FIELD_NUMBER: _ClassVar[int]
    CREATIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_2_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_3_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_4_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_5_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_6_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_7_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_8_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_9_FIELD_NUMBER: _ClassVar[int]
    SUB_ID_10_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    goal_key: str
    sub_id_1: str
    period_start_time: _timestamp_pb2.Timestamp
    period: str
    clicks: int
    conversions: int
    pending_conversions: int
    approved_conversions: int
    rejected_conversions: int
    values: _containers.RepeatedCompositeFieldContainer[CurrencyValue]
    conversion_rate: float
    approval_rate: float
    time_to_convert: _containers.RepeatedCompositeFieldContainer[TimeToConvertBucket]
    account_id: str
    flagged_clicks: int
    flagged_conversions: int
    capped_conversions: int
    reporting_value: CurrencyValue
    unconverted_values: _containers.RepeatedCompositeFieldContainer[CurrencyValue]
    missing_rates: _containers.RepeatedScalarFieldContainer[str]
    creative_id: str
    placement_id: str
    sub_id_2: str
    sub_id_3: str
    sub_id_4: str
    sub_id_5: str
    sub_id_6: str
    sub_id_7: str
    sub_id_8: str
    sub_id_9: str
    sub_id_10: str
    partner_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., sub_id_1: _Optional[str] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period: _Optional[str] = ..., clicks: _Optional[int] = ..., conversions: _Optional[int] = ..., pending_conversions: _Optional[int] = ..., approved_conversions: _Optional[int] = ..., rejected_conversions: _Optional[int] = ..., values: _Optional[_Iterable[_Union[CurrencyValue, _Mapping]]] = ..., conversion_rate: _Optional[float] = ..., approval_rate: _Optional[float] = ..., time_to_convert: _Optional[_Iterable[_Union[TimeToConvertBucket, _Mapping]]] = ..., account_id: _Optional[str] = ..., flagged_clicks: _Optional[int] = ..., flagged_conversions: _Optional[int] = ..., capped_conversions: _Optional[int] = ..., reporting_value: _Optional[_Union[CurrencyValue, _Mapping]] = ..., unconverted_values: _Optional[_Iterable[_Union[CurrencyValue, _Mapping]]] = ..., missing_rates: _Optional[_Iterable[str]] = ..., creative_id: _Optional[str] = ..., placement_id: _Optional[str] = ..., sub_id_2: _Optional[str] = ..., sub_id_3: _Optional[str] = ..., sub_id_4: _Optional[str] = ..., sub_id_5: _Optional[str] = ..., sub_id_6: _Optional[str] = ..., sub_id_7: _Optional[str] = ..., sub_id_8: _Optional[str] = ..., sub_id_9: _Optional[str] = ..., sub_id_10: _Optional[str] = ..., partner_id: _Optional[str] = ...) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("rows", "total", "start_time", "end_time", "time_zone", "day_boundaries_approximate")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DAY_BOUNDARIES_APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[StatsRow]
    total: StatsRow
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    time_zone: str
    day_boundaries_approximate: bool
    def __init__(self, rows: _Optional[_Iterable[_Union[StatsRow, _Mapping]]] = ..., total: _Optional[_Union[StatsRow, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ..., day_boundaries_approximate: _Optional[bool] = ...) -> None: ...
