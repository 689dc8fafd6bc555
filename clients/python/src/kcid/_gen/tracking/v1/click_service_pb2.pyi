import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kcid._gen.tracking.v1 import conversion_service_pb2 as _conversion_service_pb2
from kcid._gen.tracking.v1 import error_reason_pb2 as _error_reason_pb2
from kcid._gen.tracking.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IssueClickRequest(_message.Message):
    __slots__ = ("account_id", "campaign_id", "creative_id", "placement_id", "sub_ids", "destination_url", "click_signature", "request_id", "kcid", "user_agent", "client_ip")
    class SubIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUB_IDS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_URL_FIELD_NUMBER: _ClassVar[int]
    CLICK_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IP_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    campaign_id: str
    creative_id: str
    placement_id: str
    sub_ids: _containers.ScalarMap[str, str]
    destination_url: str
    click_signature: str
    request_id: str
    kcid: str
    user_agent: str
    client_ip: str
    def __init__(self, account_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., creative_id: _Optional[str] = ..., placement_id: _Optional[str] = ..., sub_ids: _Optional[_Mapping[str, str]] = ..., destination_url: _Optional[str] = ..., click_signature: _Optional[str] = ..., request_id: _Optional[str] = ..., kcid: _Optional[str] = ..., user_agent: _Optional[str] = ..., client_ip: _Optional[str] = ...) -> None: ...

class IssueClickResponse(_message.Message):
    __slots__ = ("click", "redirect_url")
    CLICK_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URL_FIELD_NUMBER: _ClassVar[int]
    click: _resources_pb2.Click
    redirect_url: str
    def __init__(self, click: _Optional[_Union[_resources_pb2.Click, _Mapping]] = ..., redirect_url: _Optional[str] = ...) -> None: ...

class IssueClicksRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[IssueClickRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[IssueClickRequest, _Mapping]]] = ...) -> None: ...

class IssueClickResult(_message.Message):
    __slots__ = ("index", "response", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    response: IssueClickResponse
    error: _conversion_service_pb2.ItemError
    def __init__(self, index: _Optional[int] = ..., response: _Optional[_Union[IssueClickResponse, _Mapping]] = ..., error: _Optional[_Union[_conversion_service_pb2.ItemError, _Mapping]] = ...) -> None: ...

class IssueClicksResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[IssueClickResult]
    def __init__(self, results: _Optional[_Iterable[_Union[IssueClickResult, _Mapping]]] = ...) -> None: ...

class ListClickVerifiersRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListClickVerifiersResponse(_message.Message):
    __slots__ = ("verifiers", "next_page_token", "partitions")
    VERIFIERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    verifiers: _containers.RepeatedCompositeFieldContainer[ClickVerifier]
    next_page_token: str
    partitions: int
    def __init__(self, verifiers: _Optional[_Iterable[_Union[ClickVerifier, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., partitions: _Optional[int] = ...) -> None: ...

class WatchClickVerifiersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchClickVerifiersResponse(_message.Message):
    __slots__ = ("verifiers", "partitions")
    VERIFIERS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    verifiers: _containers.RepeatedCompositeFieldContainer[ClickVerifier]
    partitions: int
    def __init__(self, verifiers: _Optional[_Iterable[_Union[ClickVerifier, _Mapping]]] = ..., partitions: _Optional[int] = ...) -> None: ...

class ClickVerifier(_message.Message):
    __slots__ = ("account_id", "kcid_parameter", "secrets", "partner_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_PARAMETER_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    kcid_parameter: str
    secrets: _containers.RepeatedCompositeFieldContainer[ClickSecret]
    partner_id: str
    def __init__(self, account_id: _Optional[str] = ..., kcid_parameter: _Optional[str] = ..., secrets: _Optional[_Iterable[_Union[ClickSecret, _Mapping]]] = ..., partner_id: _Optional[str] = ...) -> None: ...

class ClickSecret(_message.Message):
    __slots__ = ("secret", "expire_time")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    secret: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, secret: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetClickRequest(_message.Message):
    __slots__ = ("kcid",)
    KCID_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    def __init__(self, kcid: _Optional[str] = ...) -> None: ...

class GetClickResponse(_message.Message):
    __slots__ = ("click",)
    CLICK_FIELD_NUMBER: _ClassVar[int]
    click: _resources_pb2.Click
    def __init__(self, click: _Optional[_Union[_resources_pb2.Click, _Mapping]] = ...) -> None: ...

class InspectKcidRequest(_message.Message):
    __slots__ = ("kcid",)
    KCID_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    def __init__(self, kcid: _Optional[str] = ...) -> None: ...

class InspectKcidResponse(_message.Message):
    __slots__ = ("valid", "reason", "hint", "normalized_kcid", "version", "issue_time", "partition", "key_id")
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HINT_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_KCID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    reason: _error_reason_pb2.ErrorReason
    hint: str
    normalized_kcid: str
    version: int
    issue_time: _timestamp_pb2.Timestamp
    partition: int
    key_id: int
    def __init__(self, valid: _Optional[bool] = ..., reason: _Optional[_Union[_error_reason_pb2.ErrorReason, str]] = ..., hint: _Optional[str] = ..., normalized_kcid: _Optional[str] = ..., version: _Optional[int] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partition: _Optional[int] = ..., key_id: _Optional[int] = ...) -> None: ...

class DeleteClickRequest(_message.Message):
    __slots__ = ("kcid",)
    KCID_FIELD_NUMBER: _ClassVar[int]
    kcid: str
    def __init__(self, kcid: _Optional[str] = ...) -> None: ...

class DeleteClickResponse(_message.Message):
    __slots__ = ("deleted_conversions",)
    DELETED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    deleted_conversions: int
    def __init__(self, deleted_conversions: _Optional[int] = ...) -> None: ...
