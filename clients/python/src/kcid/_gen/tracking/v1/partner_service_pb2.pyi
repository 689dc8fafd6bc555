import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kcid._gen.tracking.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartnerDefaults(_message.Message):
    __slots__ = ("attribution_window", "counting_mode", "postback_auth_methods", "time_zone", "currency_code", "status_map", "ignore_status", "postback_response_format")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _resources_pb2.ConversionStatus
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ...) -> None: ...
    ATTRIBUTION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    COUNTING_MODE_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_AUTH_METHODS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    IGNORE_STATUS_FIELD_NUMBER: _ClassVar[int]
    POSTBACK_RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    attribution_window: _duration_pb2.Duration
    counting_mode: _resources_pb2.CountingMode
    postback_auth_methods: _containers.RepeatedScalarFieldContainer[_resources_pb2.PostbackAuthMethod]
    time_zone: str
    currency_code: str
    status_map: _containers.ScalarMap[str, _resources_pb2.ConversionStatus]
    ignore_status: bool
    postback_response_format: _resources_pb2.PostbackResponseFormat
    def __init__(self, attribution_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., counting_mode: _Optional[_Union[_resources_pb2.CountingMode, str]] = ..., postback_auth_methods: _Optional[_Iterable[_Union[_resources_pb2.PostbackAuthMethod, str]]] = ..., time_zone: _Optional[str] = ..., currency_code: _Optional[str] = ..., status_map: _Optional[_Mapping[str, _resources_pb2.ConversionStatus]] = ..., ignore_status: _Optional[bool] = ..., postback_response_format: _Optional[_Union[_resources_pb2.PostbackResponseFormat, str]] = ...) -> None: ...

class Partner(_message.Message):
    __slots__ = ("partner_id", "display_name", "s2s_active", "defaults", "create_time", "update_time")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    S2S_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    display_name: str
    s2s_active: bool
    defaults: PartnerDefaults
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, partner_id: _Optional[str] = ..., display_name: _Optional[str] = ..., s2s_active: _Optional[bool] = ..., defaults: _Optional[_Union[PartnerDefaults, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreatePartnerRequest(_message.Message):
    __slots__ = ("partner_id", "display_name", "s2s_active", "defaults")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    S2S_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    display_name: str
    s2s_active: bool
    defaults: PartnerDefaults
    def __init__(self, partner_id: _Optional[str] = ..., display_name: _Optional[str] = ..., s2s_active: _Optional[bool] = ..., defaults: _Optional[_Union[PartnerDefaults, _Mapping]] = ...) -> None: ...

class CreatePartnerResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class GetPartnerRequest(_message.Message):
    __slots__ = ("partner_id",)
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    def __init__(self, partner_id: _Optional[str] = ...) -> None: ...

class GetPartnerResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class ListPartnersRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPartnersResponse(_message.Message):
    __slots__ = ("partners", "next_page_token")
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    partners: _containers.RepeatedCompositeFieldContainer[Partner]
    next_page_token: str
    def __init__(self, partners: _Optional[_Iterable[_Union[Partner, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdatePartnerRequest(_message.Message):
    __slots__ = ("partner_id", "display_name", "s2s_active", "defaults")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    S2S_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    display_name: str
    s2s_active: bool
    defaults: PartnerDefaults
    def __init__(self, partner_id: _Optional[str] = ..., display_name: _Optional[str] = ..., s2s_active: _Optional[bool] = ..., defaults: _Optional[_Union[PartnerDefaults, _Mapping]] = ...) -> None: ...

class UpdatePartnerResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class DeletePartnerRequest(_message.Message):
    __slots__ = ("partner_id", "cascade")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    CASCADE_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    cascade: bool
    def __init__(self, partner_id: _Optional[str] = ..., cascade: _Optional[bool] = ...) -> None: ...

class DeletePartnerResponse(_message.Message):
    __slots__ = ("deleted_account_ids",)
    DELETED_ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    deleted_account_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, deleted_account_ids: _Optional[_Iterable[str]] = ...) -> None: ...
