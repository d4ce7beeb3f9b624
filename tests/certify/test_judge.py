"""A step's verdict from its window of messages (siamex.certify.judge)."""

from __future__ import annotations

from typing import Literal

from hypothesis import given
from hypothesis import strategies as st

from siamex.certify.judge import Seen, judge, same_value
from siamex.certify.script import Expect, Step

ORDER = Expect(dir="in", type="D", fields={"55": "TEST1", "44": "10.00"}, bind={"A": "11"})
ACK = Expect(dir="out", type="8", fields={"11": "$A", "150": "0"})


def seen(direction: Literal["in", "out"], msg_type: str, **fields: str) -> Seen:
    """A message of the window; fields by tag as keyword arguments (`t55="TEST1"`)."""
    return Seen(direction, msg_type, {tag.lstrip("t"): value for tag, value in fields.items()})


def test_expected_messages_in_order_pass_and_bind_the_member_s_ids() -> None:
    window = [seen("in", "D", t55="TEST1", t44="10", t11="X7"),
              seen("out", "8", t11="X7", t150="0")]
    found = judge(Step(instruct="", expect=[ORDER, ACK]), window, {}, None, {}, final=False)
    assert found.verdict == "pass"
    assert found.bound == {"A": "X7"}


def test_a_missing_message_waits_until_the_deadline_then_fails_with_the_nearest() -> None:
    window = [seen("in", "D", t55="TEST1", t44="10.00", t11="X7"),
              seen("out", "8", t11="X7", t150="8", t5010="TICK_SIZE")]
    step = Step(instruct="", expect=[ORDER, ACK])
    assert judge(step, window, {}, None, {}, final=False).verdict is None
    found = judge(step, window, {}, None, {}, final=True)
    assert found.verdict == "fail"
    assert "150=8 (want 0)" in found.why[-1]


def test_expected_messages_must_come_in_their_order() -> None:
    window = [seen("out", "8", t11="X7", t150="0"),
              seen("in", "D", t55="TEST1", t44="10.00", t11="X7")]
    step = Step(instruct="", expect=[ORDER, ACK])
    assert judge(step, window, {}, None, {}, final=True).verdict == "fail"


def test_a_message_that_must_never_cross_fails_the_step_only_when_it_did() -> None:
    step = Step(instruct="", never=[Expect(dir="in", type="D", fields={"38": "20000"})],
                ask={"what": "status", "ref": "A"}, answer="rejected")
    clean = [seen("in", "D", t38="100")]
    assert judge(step, clean, {}, "rejected", {}, final=False).verdict is None
    assert judge(step, clean, {}, "rejected", {}, final=True).verdict == "pass"
    crossed = [seen("in", "D", t38="20000")]
    assert judge(step, crossed, {}, "rejected", {}, final=True).verdict == "fail"


def test_the_answer_must_be_what_the_exchange_knows() -> None:
    step = Step(instruct="", ask={"what": "drop_copy_last_trade"}, answer="$TRADE")
    assert judge(step, [], {"TRADE": "7"}, "7", {}, final=False).verdict == "pass"
    wrong = judge(step, [], {"TRADE": "7"}, "6", {}, final=False)
    assert wrong.verdict == "fail"
    assert "should show '7'" in wrong.why[-1]
    assert judge(step, [], {}, "7", {}, final=False).verdict == "fail"


def test_an_exchange_check_decides_at_the_deadline() -> None:
    step = Step(instruct="", check=["no_resting_orders"])
    assert judge(step, [], {}, None, {"no_resting_orders": None}, final=False).verdict is None
    assert judge(step, [], {}, None, {"no_resting_orders": None}, final=True).verdict == "pass"
    held = judge(step, [], {}, None, {"no_resting_orders": "2 rest"}, final=True)
    assert held.verdict == "fail"


def test_absent_and_not_markers() -> None:
    no_reset = Expect(dir="in", type="A", fields={"141": "~Y", "44": "-", "108": "*"})
    step = Step(instruct="", expect=[no_reset])
    assert judge(step, [seen("in", "A", t108="30")], {}, None, {},
                 final=True).verdict == "pass"
    assert judge(step, [seen("in", "A", t108="30", t141="Y")], {}, None, {},
                 final=True).verdict == "fail"
    assert judge(step, [seen("in", "A")], {}, None, {}, final=True).verdict == "fail"


def test_messages_are_named_by_their_place_in_the_window() -> None:
    window = [seen("out", "0"), seen("in", "D", t55="TEST1", t44="10", t11="X7"),
              seen("out", "8", t11="X7", t150="8")]
    found = judge(Step(instruct="", expect=[ORDER, ACK]), window, {}, None, {}, final=True)
    assert found.why[0].startswith("seen (#2)")
    assert "message #3" in found.why[1]


def test_a_never_naming_a_value_never_bound_fails_rather_than_matching_nothing() -> None:
    never = Expect(dir="out", type="8", fields={"11": "$FKO", "150": "F"})
    found = judge(Step(instruct="", never=[never]), [seen("out", "8", t11="X", t150="F")], {},
                  None, {}, final=True)
    assert found.verdict == "fail"
    assert "$FKO never bound" in found.why[0]


def test_identifiers_match_exactly_and_numbers_only_when_plain() -> None:
    mine = Expect(dir="out", type="8", fields={"11": "$A"})
    step = Step(instruct="", expect=[mine])
    for other in ("a1", "A1 ", "1E2"):
        bound = {"A": "A1" if other != "1E2" else "100"}
        assert judge(step, [seen("out", "8", t11=other)], bound, None, {},
                     final=True).verdict == "fail", other
    assert judge(step, [seen("out", "8", t11="100.0")], {"A": "100"}, None, {},
                 final=True).verdict == "pass"
    assert same_value(" filled ", "FILLED") and not same_value("1e2", "100")


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_numbers_match_as_numbers_whatever_their_zeros(value: object) -> None:
    text = str(value)
    assert same_value(text, f"{value:.2f}")
    assert same_value(text + "0" if "." in text else text + ".0", text)


def test_not_a_bound_value_compares_with_the_value() -> None:
    other_order = Expect(dir="in", type="F", fields={"41": "~$A"})
    step = Step(instruct="", expect=[other_order])
    assert judge(step, [seen("in", "F", t41="X7")], {"A": "X7"}, None, {},
                 final=True).verdict == "fail"
    assert judge(step, [seen("in", "F", t41="X8")], {"A": "X7"}, None, {},
                 final=True).verdict == "pass"
    assert judge(step, [seen("in", "F", t41="X8")], {}, None, {},
                 final=True).verdict == "fail"
