"""The kcid.tracking.v1 messages and enums, e.g. ``v1.IssueClickRequest``, ``v1.OUTCOME_ACCEPTED``.

Generated code lives in :mod:`kcid._gen.tracking.v1`; this module re-exports it under a short name.
"""

from kcid._gen.tracking.v1.admin_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.admin_service_pb2_grpc import AdminServiceStub  # noqa: F401
from kcid._gen.tracking.v1.click_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.click_service_pb2_grpc import ClickServiceStub  # noqa: F401
from kcid._gen.tracking.v1.conversion_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.conversion_service_pb2_grpc import ConversionServiceStub  # noqa: F401
from kcid._gen.tracking.v1.delivery_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.delivery_service_pb2_grpc import DeliveryServiceStub  # noqa: F401
from kcid._gen.tracking.v1.diagnostics_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.diagnostics_service_pb2_grpc import DiagnosticsServiceStub  # noqa: F401
from kcid._gen.tracking.v1.error_reason_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.partner_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.partner_service_pb2_grpc import PartnerServiceStub  # noqa: F401
from kcid._gen.tracking.v1.report_service_pb2 import *  # noqa: F401,F403
from kcid._gen.tracking.v1.report_service_pb2_grpc import ReportServiceStub  # noqa: F401
from kcid._gen.tracking.v1.resources_pb2 import *  # noqa: F401,F403

del DESCRIPTOR  # noqa: F821  (each generated module's own; meaningless here)
