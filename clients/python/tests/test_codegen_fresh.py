"""The committed generated code and service config must equal a fresh generate.sh run."""

import filecmp
import pathlib
import subprocess
import sys

from conftest import CLIENT_DIR, REPO

COMMITTED = CLIENT_DIR / "src" / "kcid"


def _files(root: pathlib.Path):
    return sorted(
        p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


def test_generated_code_is_fresh(tmp_path):
    subprocess.run(
        ["bash", str(CLIENT_DIR / "generate.sh"), str(tmp_path)],
        check=True,
        env={"KCID_PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
    )
    fresh, committed = _files(tmp_path / "_gen"), _files(COMMITTED / "_gen")
    assert fresh == committed, "generated file set differs: run clients/python/generate.sh"
    stale = [str(p) for p in fresh
             if not filecmp.cmp(tmp_path / "_gen" / p, COMMITTED / "_gen" / p, shallow=False)]
    assert not stale, "stale generated code (run clients/python/generate.sh): {}".format(stale)
    assert (tmp_path / "service_config.json").read_bytes() == (COMMITTED / "service_config.json").read_bytes()


def test_shipped_service_config_is_the_shared_one():
    import kcid

    shared = (REPO / "clients" / "service_config.json").read_text("utf-8")
    assert kcid.service_config() == shared
