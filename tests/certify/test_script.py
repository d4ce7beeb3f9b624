"""The certification script's format (siamex.certify.script)."""

from __future__ import annotations

import pytest

from siamex.certify.script import ACTS, ASKS, bundled_script, parse_script
from siamex.errors import ErrorCode, SiamexError

MINIMAL = b'''
format = "siamex-certify/1"
name = "n"
version = "1"
description = "d"
[member]
id = "M01"
ors = "M01-ORS1"
sender_comp_id = "S"
username = "u"
password = "p"
token = "t"
traders = ["T1"]
unapproved_traders = []
accounts = ["C1"]
[declare]
credit_limit = {}
max_order_value = "1.00"
max_order_volume = 1
price_check_bp = 1
[market]
date = "2026-12-01"
start = "09:45"
index_close = "1.00"
[securities]
TEST1 = { prev_close = "10.00" }
[[case]]
id = "c"
title = "t"
rule = "r"
[[case.step]]
instruct = "i"
'''


def refused(data: bytes) -> str:
    with pytest.raises(SiamexError) as caught:
        parse_script(data, "s.toml")
    assert caught.value.code is ErrorCode.CERTIFY_SCRIPT
    return caught.value.message


def test_the_bundled_script_covers_what_the_issue_lists() -> None:
    script = bundled_script().script
    ids = {case.id for case in script.case}
    assert {"logon", "logout", "sequence-recovery", "ato", "atc", "limit-day", "ioc", "fok",
            "market", "mtl", "amend", "cancel", "min-resting-time", "odd-lot", "board-lot",
            "tick-refused", "tick-table", "ceiling-floor", "halt", "circuit-breaker",
            "short-sale", "credit-limit", "max-order-value", "max-order-volume",
            "price-check", "kill-switch", "trader-id", "drop-copy", "market-data"} <= ids
    acts = {act["do"] for case in script.case for step in case.step for act in step.act}
    asks = {step.ask["what"] for case in script.case for step in case.step if step.ask}
    assert acts == set(ACTS)
    assert asks == set(ASKS)


def test_a_minimal_script_loads_with_its_digest() -> None:
    loaded = parse_script(MINIMAL, "s.toml")
    assert loaded.script.case[0].step[0].within == 5.0
    assert len(loaded.sha256) == 64


def test_another_format_version_is_refused() -> None:
    assert "siamex-certify/1" in refused(MINIMAL.replace(b"certify/1", b"certify/2"))


def test_an_unknown_field_is_refused_with_its_path() -> None:
    assert "case[0].step[0]" in refused(MINIMAL + b'expct = []\n')


def test_an_unknown_act_is_refused() -> None:
    assert "do must be one of" in refused(MINIMAL + b'act = [{ do = "teleport" }]\n')


def test_an_order_without_its_keys_is_refused() -> None:
    assert "order needs" in refused(MINIMAL + b'act = [{ do = "order", ref = "A" }]\n')


def test_an_ask_without_its_expected_answer_is_refused() -> None:
    assert "answer" in refused(MINIMAL + b'ask = { what = "status", ref = "A" }\n')


def test_a_tag_that_is_not_a_number_is_refused() -> None:
    assert "FIX tags are numbers" in refused(
        MINIMAL + b'expect = [{ dir = "in", type = "D", fields = { Price = "1" } }]\n')


def test_a_case_id_twice_is_refused() -> None:
    twice = MINIMAL + MINIMAL[MINIMAL.index(b"[[case]]"):]
    assert "used twice" in refused(twice)


def test_a_file_that_is_not_toml_is_refused() -> None:
    assert "not a TOML file" in refused(b"format = ")


@pytest.mark.parametrize(("step", "found"), [
    (b'exchange = [{ wait_ms = "soon" }]\n', "wait_ms is a whole number"),
    (b'exchange = [{ entitlement = "false" }]\n', "entitlement = true or false"),
    (b'exchange = [{ halt = "NOPE" }]\n', "not one of the script's securities"),
    (b'exchange = [{ disconnect = "exchange" }]\n', 'disconnect = "member"'),
    (b'exchange = [{ plant = "buy", symbol = "TEST1", qty = 100 }]\n', "with symbol, qty"),
    (b'exchange = [{ plant = "buy", symbol = "TEST1", qty = 100, prise = "1.00" }]\n',
     "unknown key(s) prise"),
    (b'act = [{ do = "order", ref = "A", symbol = "TEST1", side = "buy", qty = 1.5, '
     b'type = "limit", price = "1.00", validity = "day", trader = "T1", account = "C1" }]\n',
     "a quantity is a whole number"),
    (b'act = [{ do = "order", ref = "A", symbol = "TEST1", side = "up", qty = 1, '
     b'type = "limit", price = "1.00", validity = "day", trader = "T1", account = "C1" }]\n',
     "side is one of"),
    (b'act = [{ do = "amend", ref = "A" }]\n', "amend needs a price or a qty"),
    (b'act = [{ do = ["order"] }]\n', "do must be one of"),
    (b'exchange = [{ halt = ["TEST1"] }]\n', "not one of the script's securities"),
    (b'answer = "new"\n', "an answer needs the ask"),
])
def test_an_action_or_act_the_run_could_not_carry_out_is_refused(step: bytes,
                                                                 found: str) -> None:
    assert found in refused(MINIMAL + step)


def test_a_name_used_before_it_is_bound_is_refused() -> None:
    assert "$FKO is not bound" in refused(
        MINIMAL + b'never = [{ dir = "out", type = "8", fields = { 11 = "$FKO" } }]\n')
    assert "$FKO is not bound" in refused(
        MINIMAL + b'expect = [{ dir = "in", type = "F", fields = { 41 = "~$FKO" } }]\n')
    bound_then_read = MINIMAL + (
        b'expect = [{ dir = "in", type = "D", bind = { A = "11" } },\n'
        b'          { dir = "out", type = "8", fields = { 11 = "$A" } }]\n'
        b'never = [{ dir = "out", type = "8", fields = { 11 = "$A", 150 = "F" } }]\n')
    assert parse_script(bound_then_read, "s.toml").script.case[0].step[0].never
