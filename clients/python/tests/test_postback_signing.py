import json
import re
import time

import pytest

import kcid
from conftest import REPO
from kcid import postback

VECTORS = json.loads(
    (REPO / "core" / "src" / "test" / "resources" / "postback-signing-vectors.json").read_text("utf-8")
)


def test_there_are_vectors():
    assert len(VECTORS) >= 6
    assert {v["method"] for v in VECTORS} == {"GET", "POST"}


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector):
    if vector["method"] == "GET":
        payload = postback.postback_query_payload(vector["query"])
        assert isinstance(payload, bytes)
        assert payload == vector["canonical_query"].encode("utf-8")
    else:
        payload = vector["body"].encode("utf-8")
    secret, t = vector["secret"], vector["timestamp"]
    assert postback.sign_postback(secret, t, payload) == vector["signature"]
    assert postback.postback_signature_header(secret, t, payload) == vector["header"]
    assert kcid.postback_signature_header(secret, payload=payload, timestamp=t) == vector["header"]


def test_one_changed_body_byte_changes_the_signature():
    body = bytearray(b'{"kcid":"22t9v000580g28t5cy4tqkffxbnpwabw","value":"49.90"}')
    signature = postback.sign_postback("pbs_secret", 1764000000, bytes(body))
    for i in range(len(body)):
        changed = bytearray(body)
        changed[i] ^= 0x01
        assert postback.sign_postback("pbs_secret", 1764000000, bytes(changed)) != signature, i
    assert postback.sign_postback("pbs_secret", 1764000001, bytes(body)) != signature


def test_header_defaults_to_now():
    before = int(time.time())
    header = postback.postback_signature_header("pbs_secret", payload=b"x")
    match = re.fullmatch(r"t=([0-9]+),v1=[A-Za-z0-9_-]{43}", header)
    assert match, header
    t = int(match.group(1))
    assert before <= t <= int(time.time())
    assert header == postback.postback_signature_header("pbs_secret", t, b"x")


def test_str_payload_is_utf8_and_bad_arguments_are_refused():
    assert postback.sign_postback("s", 1, "Grüße") == postback.sign_postback("s", 1, "Grüße".encode("utf-8"))
    with pytest.raises(TypeError):
        postback.postback_signature_header("s", 1)
    with pytest.raises(TypeError):
        postback.sign_postback("s", b"1", b"x")
    assert postback.POSTBACK_SIGNATURE_HEADER == kcid.POSTBACK_SIGNATURE_HEADER == "X-Kcid-Signature"
