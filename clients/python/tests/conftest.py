"""Shared fixtures. The live-server fixture uses the kcid that test.sh started
(KCID_TEST_GRPC_TARGET / KCID_TEST_EDGE_URL / KCID_TEST_API_KEY), or starts one itself when run
as plain pytest. Either way the server requires API keys (KCID_AUTH=required)."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import threading
import time
from typing import Iterator, NamedTuple

import pytest

HERE = pathlib.Path(__file__).resolve().parent
CLIENT_DIR = HERE.parent
REPO = CLIENT_DIR.parent.parent
JAR = REPO / "cli" / "target" / "kcid.jar"


class Server(NamedTuple):
    grpc_target: str
    edge_url: str
    # The admin key `kcid up` made for itself: every role.
    api_key: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    target = os.environ.get("KCID_TEST_GRPC_TARGET")
    edge = os.environ.get("KCID_TEST_EDGE_URL")
    key = os.environ.get("KCID_TEST_API_KEY")
    if target and edge and key:
        yield Server(target, edge, key)
        return
    if not JAR.exists():
        pytest.fail("{} is missing: build it with ./mvnw -B -q -o -pl cli -am package -DskipTests".format(JAR))
    grpc_port, edge_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCID_")}
    with tempfile.TemporaryDirectory(prefix="kcid-py-") as home:
        env.update(
            KCID_HOME=home,
            KCID_GRPC_PORT=str(grpc_port),
            KCID_EDGE_PORT=str(edge_port),
            KCID_EDGE_ADMIN_PORT="0",
            KCID_METRICS_PORT="0",
            KCID_DRAIN_DELAY_MS="100",
            KCID_AUTH="required",
            KCID_DELIVERY_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",  # the delivery tests' receivers
        )
        proc = subprocess.Popen(
            ["java", "-jar", str(JAR), "up"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        up = threading.Event()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if "kcid is up" in line:
                    up.set()

        threading.Thread(target=pump, daemon=True).start()
        try:
            deadline = time.monotonic() + 90
            while not up.wait(0.2):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("kcid did not come up (exit code {})".format(proc.poll()))
            key = (pathlib.Path(home) / "api-keys" / "local-admin").read_text("ascii").strip()
            yield Server("localhost:{}".format(grpc_port), "http://localhost:{}".format(edge_port), key)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
