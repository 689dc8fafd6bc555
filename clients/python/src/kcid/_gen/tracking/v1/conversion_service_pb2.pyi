import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kcid._gen.tracking.v1 import error_reason_pb2 as _error_reason_pb2
from kcid._gen.tracking.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_ACCEPTED: _ClassVar[Outcome]
    OUTCOME_DUPLICATE: _ClassVar[Outcome]

class ConversionEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSION_EVENT_TYPE_UNSPECIFIED: _ClassVar[ConversionEventType]
    CONVERSION_EVENT_TYPE_RECORDED: _ClassVar[ConversionEventType]
    CONVERSION_EVENT_TYPE_STATUS_CHANGED: _ClassVar[ConversionEventType]
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_ACCEPTED: Outcome
OUTCOME_DUPLICATE: Outcome
CONVERSION_EVENT_TYPE_UNSPECIFIED: ConversionEventType
CONVERSION_EVENT_TYPE_RECORDED: ConversionEventType
CONVERSION_EVENT_TYPE_STATUS_CHANGED: ConversionEventType

class PostbackCredentials(_message.Message):
    __slots__ = ("token", "signature", "signature_timestamp", "signed_body", "signed_query", "client_ip")
    class SignedQueryEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_QUERY_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IP_FIELD_NUMBER: _ClassVar[int]
    token: str
    signature: str
    signature_timestamp: int
    signed_body: bytes
    signed_query: _containers.ScalarMap[str, str]
    client_ip: str
    def __init__(self, token: _Optional[str] = ..., signature: _Optional[str] = ..., signature_timestamp: _Optional[int] = ..., signed_body: _Optional[bytes] = ..., signed_query: _Optional[_Mapping[str, str]] = ..., client_ip: _Optional[str] = ...) -> None: ...

class RecordConversionRequest(_message.Message):
    __slots__ = ("kcid", "goal_key", "value", "transaction_id", "status", "event_time", "adv_sub_ids", "test", "request_id", "credentials", "account_id", "status_word")
    class AdvSubIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KCID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ADV_SUB_IDS_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_WORD_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    goal_key: str
    value: _resources_pb2.Money
    transaction_id: str
    status: _resources_pb2.ConversionStatus
    event_time: _timestamp_pb2.Timestamp
    adv_sub_ids: _containers.ScalarMap[str, str]
    test: bool
    request_id: str
    credentials: PostbackCredentials
    account_id: str
    status_word: str
    def __init__(self, kcid: _Optional[str] = ..., goal_key: _Optional[str] = ..., value: _Optional[_Union[_resources_pb2.Money, _Mapping]] = ..., transaction_id: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., adv_sub_ids: _Optional[_Mapping[str, str]] = ..., test: _Optional[bool] = ..., request_id: _Optional[str] = ..., credentials: _Optional[_Union[PostbackCredentials, _Mapping]] = ..., account_id: _Optional[str] = ..., status_word: _Optional[str] = ...) -> None: ...

class RecordConversionResponse(_message.Message):
    __slots__ = ("outcome", "conversion_id", "conversion", "duplicate_reason", "repeated_request", "postback_response_format")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_REASON_FIELD_NUMBER: _ClassVar[int]
    REPEATED_REQUEST_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    outcome: Outcome
    conversion_id: str
    conversion: _resources_pb2.Conversion
    duplicate_reason: _error_reason_pb2.ErrorReason
    repeated_request: bool
    postback_response_format: _resources_pb2.PostbackResponseFormat
    def __init__(self, outcome: _Optional[_Union[Outcome, str]] = ..., conversion_id: _Optional[str] = ..., conversion: _Optional[_Union[_resources_pb2.Conversion, _Mapping]] = ..., duplicate_reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., repeated_request: _Optional[bool] = ..., postback_response_format: _Optional[_Union[_resources_pb2.PostbackResponseFormat, str]] = ...) -> None: ...

class RecordConversionsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[RecordConversionRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[RecordConversionRequest, _Mapping]]] = ...) -> None: ...

class ItemError(_message.Message):
    __slots__ = ("reason", "message", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    reason: _error_reason_pb2.ErrorReason
    message: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., message: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RecordConversionResult(_message.Message):
    __slots__ = ("index", "response", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    response: RecordConversionResponse
    error: ItemError
    def __init__(self, index: _Optional[int] = ..., response: _Optional[_Union[RecordConversionResponse, _Mapping]] = ..., error: _Optional[_Union[ItemError, _Mapping]] = ...) -> None: ...

class RecordConversionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RecordConversionResult]
    def __init__(self, results: _Optional[_Iterable[_Union[RecordConversionResult, _Mapping]]] = ...) -> None: ...

class UpdateConversionStatusRequest(_message.Message):
    __slots__ = ("conversion_id", "kcid", "transaction_id", "status", "reason", "value", "request_id")
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    conversion_id: str
    kcid: str
    transaction_id: str
    status: _resources_pb2.ConversionStatus
    reason: str
    value: _resources_pb2.Money
    request_id: str
    def __init__(self, conversion_id: _Optional[str] = ..., kcid: _Optional[str] = ..., transaction_id: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ..., reason: _Optional[str] = ..., value: _Optional[_Union[_resources_pb2.Money, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateConversionStatusResponse(_message.Message):
    __slots__ = ("conversion",)
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    conversion: _resources_pb2.Conversion
    def __init__(self, conversion: _Optional[_Union[_resources_pb2.Conversion, _Mapping]] = ...) -> None: ...

class UpdateConversionStatusesRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[UpdateConversionStatusRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[UpdateConversionStatusRequest, _Mapping]]] = ...) -> None: ...

class UpdateConversionStatusResult(_message.Message):
    __slots__ = ("index", "conversion", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    conversion: _resources_pb2.Conversion
    error: ItemError
    def __init__(self, index: _Optional[int] = ..., conversion: _Optional[_Union[_resources_pb2.Conversion, _Mapping]] = ..., error: _Optional[_Union[ItemError, _Mapping]] = ...) -> None: ...

class UpdateConversionStatusesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[UpdateConversionStatusResult]
    def __init__(self, results: _Optional[_Iterable[_Union[UpdateConversionStatusResult, _Mapping]]] = ...) -> None: ...

class GetConversionRequest(_message.Message):
    __slots__ = ("conversion_id",)
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    conversion_id: str
    def __init__(self, conversion_id: _Optional[str] = ...) -> None: ...

class GetConversionResponse(_message.Message):
    __slots__ = ("conversion",)
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    conversion: _resources_pb2.Conversion
    def __init__(self, conversion: _Optional[_Union[_resources_pb2.Conversion, _Mapping]] = ...) -> None: ...

class ListConversionsRequest(_message.Message):
    __slots__ = ("kcid", "page_size", "page_token")
    KCID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    page_size: int
    page_token: str
    def __init__(self, kcid: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConversionsResponse(_message.Message):
    __slots__ = ("conversions", "next_page_token")
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversions: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Conversion]
    next_page_token: str
    def __init__(self, conversions: _Optional[_Iterable[_Union[_resources_pb2.Conversion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StreamConversionsRequest(_message.Message):
    __slots__ = ("account_id", "cursor", "from_start", "consumer_group", "consumer_name", "claim_idle")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    FROM_START_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_GROUP_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_NAME_FIELD_NUMBER: _ClassVar[int]
    CLAIM_IDLE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    cursor: str
    from_start: bool
    consumer_group: str
    consumer_name: str
    claim_idle: _duration_pb2.Duration
    def __init__(self, account_id: _Optional[str] = ..., cursor: _Optional[str] = ..., from_start: _Optional[bool] = ..., consumer_group: _Optional[str] = ..., consumer_name: _Optional[str] = ..., claim_idle: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ConversionEvent(_message.Message):
    __slots__ = ("event_id", "type", "conversion_id", "kcid", "account_id", "goal_key", "status", "previous_status", "value", "test", "time", "partition", "campaign_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: ConversionEventType
    conversion_id: str
    kcid: str
    account_id: str
    goal_key: str
    status: _resources_pb2.ConversionStatus
    previous_status: _resources_pb2.ConversionStatus
    value: _resources_pb2.Money
    test: bool
    time: _timestamp_pb2.Timestamp
    partition: int
    campaign_id: str
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[ConversionEventType, str]] = ..., conversion_id: _Optional[str] = ..., kcid: _Optional[str] = ..., account_id: _Optional[str] = ..., goal_key: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ..., previous_status: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ..., value: _Optional[_Union[_resources_pb2.Money, _Mapping]] = ..., test: _Optional[bool] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partition: _Optional[int] = ..., campaign_id: _Optional[str] = ...) -> None: ...

class StreamConversionsResponse(_message.Message):
    __slots__ = ("event", "cursor")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    event: ConversionEvent
    cursor: str
    def __init__(self, event: _Optional[_Union[ConversionEvent, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...

class AckConversionEventsRequest(_message.Message):
    __slots__ = ("consumer_group", "account_id", "event_ids")
    CONSUMER_GROUP_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    consumer_group: str
    account_id: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, consumer_group: _Optional[str] = ..., account_id: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AckConversionEventsResponse(_message.Message):
    __slots__ = ("acknowledged",)
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    acknowledged: int
    def __init__(self, acknowledged: _Optional[int] = ...) -> None: ...
