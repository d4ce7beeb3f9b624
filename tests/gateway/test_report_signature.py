"""The certification report's signature: what was signed checks, every kind of edit after
signing is caught and named, the canonical form is the document's and not its spelling's, and
the certification key is kept as the investors' key is (docs/certify.md, "The report")."""

from __future__ import annotations

import copy
import json
import random
import stat
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway import report_signature
from siamex.gateway.key_file import KEY_BYTES
from siamex.gateway.report_signature import (
    KEY_FILE,
    canonical,
    certify_key,
    check_signature,
    digest,
    key_id,
    sign,
)

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def _document() -> dict[str, Any]:
    message = {"time": "2026-12-01T03:30:00.000001Z", "dir": "in", "msg_type": "D",
               "fix": "8=FIX.4.4|35=D|11=A1|55=TEST1|54=1|38=100|44=10.00|"}
    step = {"id": "limit-day/1", "exchange": [], "instruct": "Buy 100 TEST1 at 10.00",
            "act": [{"do": "order", "ref": "A", "qty": 100}], "ask": None, "answer": None,
            "expected_answer": None, "started": "t0", "judged": "t1", "verdict": "pass",
            "why": [], "messages": [message]}
    return {"format": "siamex-certify-report/1", "siamex": "0", "mode": "automatic",
            "member": {"member": "M01", "ors": "M01-ORS1", "sender_comp_id": "M01ORS1"},
            "summary": {"cases": 2, "passed": 2, "failed": 0, "failed_cases": []},
            "cases": [{"id": "limit-day", "verdict": "pass", "steps": [step]},
                      {"id": "logout", "verdict": "pass", "steps": []}]}


def _signed(key: bytes = KEY) -> dict[str, Any]:
    document = _document()
    document["signature"] = sign(document, key)
    return document


def test_the_public_names() -> None:
    assert report_signature.__all__ == ["ALGORITHM", "KEY_FILE", "canonical", "certify_key",
                                        "check_signature", "digest", "key_id", "sign"]


def test_a_signed_document_checks_under_its_key() -> None:
    document = _signed()
    assert document["signature"] == {"algorithm": "HMAC-SHA256", "key_id": key_id(KEY),
                                     "value": document["signature"]["value"]}
    assert len(key_id(KEY)) == 16 and len(document["signature"]["value"]) == 64
    assert check_signature(document, KEY) is None


def test_signing_ignores_a_signature_already_there() -> None:
    document = _signed()
    assert sign(document, KEY) == document["signature"]


def test_the_signature_survives_indentation_and_key_order() -> None:
    document = _signed()
    spelled = json.dumps(dict(reversed(list(document.items()))), indent=4)
    assert check_signature(json.loads(spelled), KEY) is None


def _flip_verdict(d: dict[str, Any]) -> None:
    d["cases"][0]["steps"][0]["verdict"] = "fail"


def _edit_message(d: dict[str, Any]) -> None:
    d["cases"][0]["steps"][0]["messages"][0]["fix"] += "58=edited|"


def _remove_case(d: dict[str, Any]) -> None:
    del d["cases"][1]


def _edit_summary(d: dict[str, Any]) -> None:
    d["summary"]["failed_cases"].append("x")


def _add_field(d: dict[str, Any]) -> None:
    d["reviewed"] = True


def _edit_value(d: dict[str, Any]) -> None:
    value = d["signature"]["value"]
    d["signature"]["value"] = ("0" if value[0] != "0" else "1") + value[1:]


@pytest.mark.parametrize("edit", [_flip_verdict, _edit_message, _remove_case, _edit_summary,
                                  _add_field, _edit_value])
def test_every_edit_after_signing_is_detected(edit: Any) -> None:
    document = _signed()
    edit(document)
    why = check_signature(document, KEY)
    assert why is not None and "altered" in why


def test_another_keys_signature_is_named_as_such() -> None:
    why = check_signature(_signed(OTHER), KEY)
    assert why is not None and "another key" in why and key_id(OTHER) in why


@pytest.mark.parametrize("signature", [
    None, "deadbeef", {"algorithm": "HMAC-SHA256", "key_id": 5, "value": "00"},
    {"algorithm": "HMAC-SHA1", "key_id": key_id(KEY), "value": "00"}, {}])
def test_a_missing_or_malformed_signature_is_refused(signature: Any) -> None:
    document = _document()
    if signature is not None:
        document["signature"] = signature
    assert check_signature(document, KEY) is not None


def test_the_digest_names_the_whole_document_signature_included() -> None:
    document = _signed()
    assert digest(document) == digest(json.loads(json.dumps(document, indent=2)))
    other = copy.deepcopy(document)
    other["signature"] = sign(document, OTHER)
    assert digest(other) != digest(document)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@given(st.dictionaries(st.text(), _JSON, max_size=6), st.randoms(use_true_random=False))
def test_the_canonical_form_is_sorted_compact_utf8_json(document: dict[str, Any],
                                                         rng: random.Random) -> None:
    form = canonical(document)
    assert canonical(_shuffled(document, rng)) == form
    assert msgspec.json.decode(form) == document
    # what any JSON library writes with sorted keys and no spaces, unescaped UTF-8
    assert form == json.dumps(document, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode("utf-8")


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_a_signature_checks_over_any_document(document: dict[str, Any]) -> None:
    document = {**document, "signature": None}
    document["signature"] = sign(document, KEY)
    assert check_signature(msgspec.json.decode(msgspec.json.encode(document)), KEY) is None


# -- the key file -----------------------------------------------------------------------------

def test_the_key_is_made_once_only_its_owner_may_read_it(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    key = certify_key(path, create=True)
    assert len(key) == KEY_BYTES and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]
    assert certify_key(path, create=True) == key == certify_key(path, create=False)


def test_a_missing_key_is_refused_unless_it_may_be_made(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as refused:
        certify_key(tmp_path / KEY_FILE, create=False)
    assert refused.value.code is ErrorCode.CERTIFY_KEY
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_a_key_others_may_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / KEY_FILE
    certify_key(path, create=True)
    path.chmod(mode)
    for create in (True, False):
        with pytest.raises(SiamexError) as refused:
            certify_key(path, create=create)
        assert refused.value.code is ErrorCode.CERTIFY_KEY
        assert "chmod 600" in refused.value.message


@pytest.mark.parametrize("content", [b"", b"x" * (KEY_BYTES - 1), b"x" * (KEY_BYTES + 1)])
def test_a_key_file_of_the_wrong_size_is_refused_and_kept(tmp_path: Path,
                                                          content: bytes) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(SiamexError) as refused:
        certify_key(path, create=True)
    assert refused.value.code is ErrorCode.CERTIFY_KEY
    assert path.read_bytes() == content


def test_half_a_key_left_by_a_crash_is_not_used(tmp_path: Path) -> None:
    (tmp_path / f"{KEY_FILE}.new").write_bytes(b"half")
    key = certify_key(tmp_path / KEY_FILE, create=True)
    assert len(key) == KEY_BYTES and not (tmp_path / f"{KEY_FILE}.new").exists()
