import json

import pytest

from conftest import REPO
from kcid import signing

VECTORS = json.loads(
    (REPO / "core" / "src" / "test" / "resources" / "click-signing-vectors.json").read_text("utf-8")
)
EDGE = "https://edge.example"


def test_there_are_vectors():
    assert len(VECTORS) >= 8


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector):
    canonical = signing.canonical_query(vector["params"])
    assert canonical == vector["canonical_query"]
    assert signing.sign(vector["secret"], canonical) == vector["signature"]
    assert signing.signed_url(EDGE, vector["params"], vector["secret"]) == vector["url"]
    # A trailing slash on the edge base URL is not doubled.
    assert signing.signed_url(EDGE + "/", vector["params"], vector["secret"]) == vector["url"]


def test_pairs_are_accepted_like_a_mapping():
    pairs = [("u", "https://shop.example/landing"), ("a", "acme"), ("c", "spring-sale"),
             ("cr", "banner-1"), ("p", "homepage"), ("sig", "old")]
    assert signing.canonical_query(pairs) == VECTORS[0]["canonical_query"]


def test_percent_encoding():
    assert signing.percent_encode("a b+c~é/") == "a%20b%2Bc~%C3%A9%2F"
