"""The package under test is the one pip installed (test.sh), complete and with its metadata."""

import os
import pathlib
import sys
import sysconfig
from importlib import metadata

import kcid


def test_kcid_is_imported_from_the_installed_package_not_the_source_tree():
    installed = pathlib.Path(kcid.__file__).resolve()
    assert pathlib.Path(sysconfig.get_paths()["purelib"]).resolve() in installed.parents, installed
    source = os.environ.get("KCID_TEST_SOURCE_DIR")
    if source:  # set by test.sh
        assert pathlib.Path(source).resolve() not in installed.parents, installed


def test_generated_code_and_data_are_installed():
    from kcid._gen.tracking.v1 import diagnostics_service_pb2_grpc, report_service_pb2_grpc

    assert report_service_pb2_grpc.ReportServiceStub and diagnostics_service_pb2_grpc.DiagnosticsServiceStub
    files = {str(f) for f in metadata.files("kcid-client")}
    for expected in (
        "kcid/py.typed",
        "kcid/service_config.json",
        "kcid/_gen/tracking/v1/report_service_pb2.py",
        "kcid/_gen/tracking/v1/report_service_pb2.pyi",
        "kcid/_gen/tracking/v1/diagnostics_service_pb2_grpc.py",
    ):
        assert expected in files, expected


def test_metadata_states_the_licence_and_the_python_the_pins_need():
    meta = metadata.metadata("kcid-client")
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Requires-Python"] == ">=3.10"
    assert sys.version_info >= (3, 10)
    assert metadata.version("kcid-client") == kcid.__version__
