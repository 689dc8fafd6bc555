import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kcid._gen.tracking.v1 import click_service_pb2 as _click_service_pb2
from kcid._gen.tracking.v1 import conversion_service_pb2 as _conversion_service_pb2
from kcid._gen.tracking.v1 import error_reason_pb2 as _error_reason_pb2
from kcid._gen.tracking.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PostbackOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSTBACK_OUTCOME_UNSPECIFIED: _ClassVar[PostbackOutcome]
    POSTBACK_OUTCOME_ACCEPTED: _ClassVar[PostbackOutcome]
    POSTBACK_OUTCOME_DUPLICATE: _ClassVar[PostbackOutcome]
    POSTBACK_OUTCOME_REJECTED: _ClassVar[PostbackOutcome]
    POSTBACK_OUTCOME_UNKNOWN: _ClassVar[PostbackOutcome]

class PostbackCredential(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSTBACK_CREDENTIAL_UNSPECIFIED: _ClassVar[PostbackCredential]
    POSTBACK_CREDENTIAL_TOKEN: _ClassVar[PostbackCredential]
    POSTBACK_CREDENTIAL_SIGNATURE: _ClassVar[PostbackCredential]
    POSTBACK_CREDENTIAL_IP_ALLOWLIST: _ClassVar[PostbackCredential]
    POSTBACK_CREDENTIAL_TRUSTED_CALLER: _ClassVar[PostbackCredential]
    POSTBACK_CREDENTIAL_REPLAY: _ClassVar[PostbackCredential]

class ReplayOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLAY_OUTCOME_UNSPECIFIED: _ClassVar[ReplayOutcome]
    REPLAY_OUTCOME_ACCEPTED: _ClassVar[ReplayOutcome]
    REPLAY_OUTCOME_DUPLICATE: _ClassVar[ReplayOutcome]
    REPLAY_OUTCOME_REJECTED: _ClassVar[ReplayOutcome]
    REPLAY_OUTCOME_SKIPPED: _ClassVar[ReplayOutcome]
    REPLAY_OUTCOME_NOT_FOUND: _ClassVar[ReplayOutcome]
    REPLAY_OUTCOME_UNKNOWN: _ClassVar[ReplayOutcome]
POSTBACK_OUTCOME_UNSPECIFIED: PostbackOutcome
POSTBACK_OUTCOME_ACCEPTED: PostbackOutcome
POSTBACK_OUTCOME_DUPLICATE: PostbackOutcome
POSTBACK_OUTCOME_REJECTED: PostbackOutcome
POSTBACK_OUTCOME_UNKNOWN: PostbackOutcome
POSTBACK_CREDENTIAL_UNSPECIFIED: PostbackCredential
POSTBACK_CREDENTIAL_TOKEN: PostbackCredential
POSTBACK_CREDENTIAL_SIGNATURE: PostbackCredential
POSTBACK_CREDENTIAL_IP_ALLOWLIST: PostbackCredential
POSTBACK_CREDENTIAL_TRUSTED_CALLER: PostbackCredential
POSTBACK_CREDENTIAL_REPLAY: PostbackCredential
REPLAY_OUTCOME_UNSPECIFIED: ReplayOutcome
REPLAY_OUTCOME_ACCEPTED: ReplayOutcome
REPLAY_OUTCOME_DUPLICATE: ReplayOutcome
REPLAY_OUTCOME_REJECTED: ReplayOutcome
REPLAY_OUTCOME_SKIPPED: ReplayOutcome
REPLAY_OUTCOME_NOT_FOUND: ReplayOutcome
REPLAY_OUTCOME_UNKNOWN: ReplayOutcome

class PostbackLogEntry(_message.Message):
    __slots__ = ("log_id", "receive_time", "account_id", "request", "credential", "source_network", "outcome", "reason", "message", "conversion_id", "replay_of", "repeated_request", "authenticated", "sender_reason", "sender_message")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NETWORK_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAY_OF_FIELD_NUMBER: _ClassVar[int]
    REPEATED_REQUEST_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATED_FIELD_NUMBER: _ClassVar[int]
    SENDER_REASON_FIELD_NUMBER: _ClassVar[int]
    SENDER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    receive_time: _timestamp_pb2.Timestamp
    account_id: str
    request: _conversion_service_pb2.RecordConversionRequest
    credential: PostbackCredential
    source_network: str
    outcome: PostbackOutcome
    reason: _error_reason_pb2.ErrorReason
    message: str
    conversion_id: str
    replay_of: str
    repeated_request: bool
    authenticated: bool
    sender_reason: _error_reason_pb2.ErrorReason
    sender_message: str
    def __init__(self, log_id: _Optional[str] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ..., request: _Optional[_Union[_conversion_service_pb2.RecordConversionRequest, _Mapping]] = ..., credential: _Optional[_Union[PostbackCredential, str]] = ..., source_network: _Optional[str] = ..., outcome: _Optional[_Union[PostbackOutcome, str]] = ..., reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., message: _Optional[str] = ..., conversion_id: _Optional[str] = ..., replay_of: _Optional[str] = ..., repeated_request: _Optional[bool] = ..., authenticated: _Optional[bool] = ..., sender_reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., sender_message: _Optional[str] = ...) -> None: ...

class ListPostbacksRequest(_message.Message):
    __slots__ = ("account_id", "start_time", "end_time", "kcid", "outcome", "reason", "page_size", "page_token", "unattributed", "unauthenticated")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNATTRIBUTED_FIELD_NUMBER: _ClassVar[int]
    UNAUTHENTICATED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    kcid: str
    outcome: PostbackOutcome
    reason: _error_reason_pb2.ErrorReason
    page_size: int
    page_token: str
    unattributed: bool
    unauthenticated: bool
    def __init__(self, account_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kcid: _Optional[str] = ..., outcome: _Optional[_Union[PostbackOutcome, str]] = ..., reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., unattributed: _Optional[bool] = ..., unauthenticated: _Optional[bool] = ...) -> None: ...

class RefusalCount(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: _error_reason_pb2.ErrorReason
    count: int
    def __init__(self, reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ListPostbacksResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "refusal_counts")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_COUNTS_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[PostbackLogEntry]
    next_page_token: str
    refusal_counts: _containers.RepeatedCompositeFieldContainer[RefusalCount]
    def __init__(self, entries: _Optional[_Iterable[_Union[PostbackLogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., refusal_counts: _Optional[_Iterable[_Union[RefusalCount, _Mapping]]] = ...) -> None: ...

class ExplainClickRequest(_message.Message):
    __slots__ = ("kcid", "account_id")
    KCID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    account_id: str
    def __init__(self, kcid: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class ExplainClickResponse(_message.Message):
    __slots__ = ("diagnosis", "click", "click_missing_reason", "click_missing_hint", "conversions", "attempts", "unauthenticated_attempts")
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    CLICK_FIELD_NUMBER: _ClassVar[int]
    CLICK_MISSING_REASON_FIELD_NUMBER: _ClassVar[int]
    CLICK_MISSING_HINT_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    UNAUTHENTICATED_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    diagnosis: _click_service_pb2.InspectKcidResponse
    click: _resources_pb2.Click
    click_missing_reason: _error_reason_pb2.ErrorReason
    click_missing_hint: str
    conversions: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Conversion]
    attempts: _containers.RepeatedCompositeFieldContainer[PostbackLogEntry]
    unauthenticated_attempts: _containers.RepeatedCompositeFieldContainer[PostbackLogEntry]
    def __init__(self, diagnosis: _Optional[_Union[_click_service_pb2.InspectKcidResponse, _Mapping]] = ..., click: _Optional[_Union[_resources_pb2.Click, _Mapping]] = ..., click_missing_reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., click_missing_hint: _Optional[str] = ..., conversions: _Optional[_Iterable[_Union[_resources_pb2.Conversion, _Mapping]]] = ..., attempts: _Optional[_Iterable[_Union[PostbackLogEntry, _Mapping]]] = ..., unauthenticated_attempts: _Optional[_Iterable[_Union[PostbackLogEntry, _Mapping]]] = ...) -> None: ...

class ReplayPostbacksRequest(_message.Message):
    __slots__ = ("account_id", "log_ids", "start_time", "end_time", "reason", "dry_run", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LOG_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    log_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: _error_reason_pb2.ErrorReason
    dry_run: bool
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., log_ids: _Optional[_Iterable[str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., dry_run: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ReplayedPostback(_message.Message):
    __slots__ = ("log_id", "outcome", "reason", "message", "conversion_id", "original_reason", "kcid")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_REASON_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    outcome: ReplayOutcome
    reason: _error_reason_pb2.ErrorReason
    message: str
    conversion_id: str
    original_reason: _error_reason_pb2.ErrorReason
    kcid: str
    def __init__(self, log_id: _Optional[str] = ..., outcome: _Optional[_Union[ReplayOutcome, str]] = ..., reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., message: _Optional[str] = ..., conversion_id: _Optional[str] = ..., original_reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., kcid: _Optional[str] = ...) -> None: ...

class ReplayPostbacksResponse(_message.Message):
    __slots__ = ("results", "dry_run", "next_page_token")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ReplayedPostback]
    dry_run: bool
    next_page_token: str
    def __init__(self, results: _Optional[_Iterable[_Union[ReplayedPostback, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., next_page_token: _Optional[str] = ...) -> None: ...
