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

class DestinationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DESTINATION_KIND_UNSPECIFIED: _ClassVar[DestinationKind]
    DESTINATION_KIND_POSTBACK: _ClassVar[DestinationKind]
    DESTINATION_KIND_WEBHOOK: _ClassVar[DestinationKind]

class DeliveryTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_TRIGGER_UNSPECIFIED: _ClassVar[DeliveryTrigger]
    DELIVERY_TRIGGER_RECORDED: _ClassVar[DeliveryTrigger]
    DELIVERY_TRIGGER_PENDING: _ClassVar[DeliveryTrigger]
    DELIVERY_TRIGGER_APPROVED: _ClassVar[DeliveryTrigger]
    DELIVERY_TRIGGER_REJECTED: _ClassVar[DeliveryTrigger]

class DeliveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATE_UNSPECIFIED: _ClassVar[DeliveryState]
    DELIVERY_STATE_PENDING: _ClassVar[DeliveryState]
    DELIVERY_STATE_DELIVERED: _ClassVar[DeliveryState]
    DELIVERY_STATE_DEAD_LETTERED: _ClassVar[DeliveryState]
    DELIVERY_STATE_CANCELLED: _ClassVar[DeliveryState]
DESTINATION_KIND_UNSPECIFIED: DestinationKind
DESTINATION_KIND_POSTBACK: DestinationKind
DESTINATION_KIND_WEBHOOK: DestinationKind
DELIVERY_TRIGGER_UNSPECIFIED: DeliveryTrigger
DELIVERY_TRIGGER_RECORDED: DeliveryTrigger
DELIVERY_TRIGGER_PENDING: DeliveryTrigger
DELIVERY_TRIGGER_APPROVED: DeliveryTrigger
DELIVERY_TRIGGER_REJECTED: DeliveryTrigger
DELIVERY_STATE_UNSPECIFIED: DeliveryState
DELIVERY_STATE_PENDING: DeliveryState
DELIVERY_STATE_DELIVERED: DeliveryState
DELIVERY_STATE_DEAD_LETTERED: DeliveryState
DELIVERY_STATE_CANCELLED: DeliveryState

class Destination(_message.Message):
    __slots__ = ("destination_id", "account_id", "partner_id", "kind", "url", "goal_keys", "triggers", "status_map", "paused", "circuit_open", "circuit_reason", "max_concurrency", "max_requests_per_second", "create_time", "update_time", "secret_rotate_time")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEYS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_OPEN_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_REASON_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SECRET_ROTATE_TIME_FIELD_NUMBER: _ClassVar[int]
    destination_id: str
    account_id: str
    partner_id: str
    kind: DestinationKind
    url: str
    goal_keys: _containers.RepeatedScalarFieldContainer[str]
    triggers: _containers.RepeatedScalarFieldContainer[DeliveryTrigger]
    status_map: _containers.ScalarMap[str, str]
    paused: bool
    circuit_open: bool
    circuit_reason: str
    max_concurrency: int
    max_requests_per_second: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    secret_rotate_time: _timestamp_pb2.Timestamp
    def __init__(self, destination_id: _Optional[str] = ..., account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., kind: _Optional[_Union[DestinationKind, str]] = ..., url: _Optional[str] = ..., goal_keys: _Optional[_Iterable[str]] = ..., triggers: _Optional[_Iterable[_Union[DeliveryTrigger, str]]] = ..., status_map: _Optional[_Mapping[str, str]] = ..., paused: _Optional[bool] = ..., circuit_open: _Optional[bool] = ..., circuit_reason: _Optional[str] = ..., max_concurrency: _Optional[int] = ..., max_requests_per_second: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., secret_rotate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateDestinationRequest(_message.Message):
    __slots__ = ("account_id", "partner_id", "destination_id", "kind", "url", "goal_keys", "triggers", "status_map", "max_concurrency", "max_requests_per_second")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEYS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    destination_id: str
    kind: DestinationKind
    url: str
    goal_keys: _containers.RepeatedScalarFieldContainer[str]
    triggers: _containers.RepeatedScalarFieldContainer[DeliveryTrigger]
    status_map: _containers.ScalarMap[str, str]
    max_concurrency: int
    max_requests_per_second: int
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., kind: _Optional[_Union[DestinationKind, str]] = ..., url: _Optional[str] = ..., goal_keys: _Optional[_Iterable[str]] = ..., triggers: _Optional[_Iterable[_Union[DeliveryTrigger, str]]] = ..., status_map: _Optional[_Mapping[str, str]] = ..., max_concurrency: _Optional[int] = ..., max_requests_per_second: _Optional[int] = ...) -> None: ...

class CreateDestinationResponse(_message.Message):
    __slots__ = ("destination", "signing_secret")
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    signing_secret: str
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class GetDestinationRequest(_message.Message):
    __slots__ = ("account_id", "partner_id", "destination_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    destination_id: str
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., destination_id: _Optional[str] = ...) -> None: ...

class GetDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class ListDestinationsRequest(_message.Message):
    __slots__ = ("account_id", "partner_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ...) -> None: ...

class ListDestinationsResponse(_message.Message):
    __slots__ = ("destinations",)
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    destinations: _containers.RepeatedCompositeFieldContainer[Destination]
    def __init__(self, destinations: _Optional[_Iterable[_Union[Destination, _Mapping]]] = ...) -> None: ...

class UpdateDestinationRequest(_message.Message):
    __slots__ = ("account_id", "partner_id", "destination_id", "url", "replace_goal_keys", "goal_keys", "replace_triggers", "triggers", "replace_status_map", "status_map", "paused", "max_concurrency", "max_requests_per_second")
    class StatusMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    REPLACE_GOAL_KEYS_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEYS_FIELD_NUMBER: _ClassVar[int]
    REPLACE_TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    REPLACE_STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    STATUS_MAP_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    destination_id: str
    url: str
    replace_goal_keys: bool
    goal_keys: _containers.RepeatedScalarFieldContainer[str]
    replace_triggers: bool
    triggers: _containers.RepeatedScalarFieldContainer[DeliveryTrigger]
    replace_status_map: bool
    status_map: _containers.ScalarMap[str, str]
    paused: bool
    max_concurrency: int
    max_requests_per_second: int
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., url: _Optional[str] = ..., replace_goal_keys: _Optional[bool] = ..., goal_keys: _Optional[_Iterable[str]] = ..., replace_triggers: _Optional[bool] = ..., triggers: _Optional[_Iterable[_Union[DeliveryTrigger, str]]] = ..., replace_status_map: _Optional[bool] = ..., status_map: _Optional[_Mapping[str, str]] = ..., paused: _Optional[bool] = ..., max_concurrency: _Optional[int] = ..., max_requests_per_second: _Optional[int] = ...) -> None: ...

class UpdateDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class DeleteDestinationRequest(_message.Message):
    __slots__ = ("account_id", "partner_id", "destination_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    destination_id: str
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., destination_id: _Optional[str] = ...) -> None: ...

class DeleteDestinationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TestDestinationRequest(_message.Message):
    __slots__ = ("account_id", "partner_id", "destination_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    destination_id: str
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., destination_id: _Optional[str] = ...) -> None: ...

class TestDestinationResponse(_message.Message):
    __slots__ = ("attempt", "request_url")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_URL_FIELD_NUMBER: _ClassVar[int]
    attempt: DeliveryAttempt
    request_url: str
    def __init__(self, attempt: _Optional[_Union[DeliveryAttempt, _Mapping]] = ..., request_url: _Optional[str] = ...) -> None: ...

class RotateDestinationSecretRequest(_message.Message):
    __slots__ = ("account_id", "partner_id", "destination_id", "grace_period")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    partner_id: str
    destination_id: str
    grace_period: _duration_pb2.Duration
    def __init__(self, account_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RotateDestinationSecretResponse(_message.Message):
    __slots__ = ("signing_secret", "previous_secret_expire_time")
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    signing_secret: str
    previous_secret_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, signing_secret: _Optional[str] = ..., previous_secret_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeliveryAttempt(_message.Message):
    __slots__ = ("attempt_time", "status_code", "latency", "error", "response_excerpt")
    ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    attempt_time: _timestamp_pb2.Timestamp
    status_code: int
    latency: _duration_pb2.Duration
    error: str
    response_excerpt: str
    def __init__(self, attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_code: _Optional[int] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., error: _Optional[str] = ..., response_excerpt: _Optional[str] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("delivery_id", "account_id", "destination_id", "destination_partner_id", "conversion_id", "kcid", "goal_key", "trigger", "status", "state", "create_time", "next_attempt_time", "attempts")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    GOAL_KEY_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    account_id: str
    destination_id: str
    destination_partner_id: str
    conversion_id: str
    kcid: str
    goal_key: str
    trigger: DeliveryTrigger
    status: _resources_pb2.ConversionStatus
    state: DeliveryState
    create_time: _timestamp_pb2.Timestamp
    next_attempt_time: _timestamp_pb2.Timestamp
    attempts: _containers.RepeatedCompositeFieldContainer[DeliveryAttempt]
    def __init__(self, delivery_id: _Optional[str] = ..., account_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., destination_partner_id: _Optional[str] = ..., conversion_id: _Optional[str] = ..., kcid: _Optional[str] = ..., goal_key: _Optional[str] = ..., trigger: _Optional[_Union[DeliveryTrigger, str]] = ..., status: _Optional[_Union[_resources_pb2.ConversionStatus, str]] = ..., state: _Optional[_Union[DeliveryState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[DeliveryAttempt, _Mapping]]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("account_id", "failed_only", "destination_id", "kcid", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FAILED_ONLY_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    KCID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    failed_only: bool
    destination_id: str
    kcid: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., failed_only: _Optional[bool] = ..., destination_id: _Optional[str] = ..., kcid: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RedeliverRequest(_message.Message):
    __slots__ = ("account_id", "delivery_id", "destination_id", "start_time", "end_time", "include_delivered", "dry_run")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELIVERED_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    delivery_id: str
    destination_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    include_delivered: bool
    dry_run: bool
    def __init__(self, account_id: _Optional[str] = ..., delivery_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_delivered: _Optional[bool] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RedeliverResponse(_message.Message):
    __slots__ = ("delivery_ids", "dry_run")
    DELIVERY_IDS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    delivery_ids: _containers.RepeatedScalarFieldContainer[str]
    dry_run: bool
    def __init__(self, delivery_ids: _Optional[_Iterable[str]] = ..., dry_run: _Optional[bool] = ...) -> None: ...
