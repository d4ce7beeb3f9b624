"""The verdict on one step of a certification case, from the messages that crossed the FIX
session in its window: pure functions, no sockets and no clock, so a verdict can be checked
by hand against its evidence (docs/certify.md, "How a step is judged").

The step's `expect` list is looked for in order, each after the one before it; the `never` list
must find nothing anywhere in the window; each `check` is the exchange's own finding; the ask's
answer must equal the expected one. A step with a `never` or a `check` is judged only at its
deadline (an order that must never arrive may arrive late); one without passes as soon as
everything expected has crossed. A message is named by its place in the window (`#3`), which
is its place among the step's messages in the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from siamex.certify.script import Expect, Step

__all__ = ["Judgement", "Seen", "describe", "judge", "resolve", "same_value"]

_MSG_NAMES = {"0": "Heartbeat", "1": "TestRequest", "2": "ResendRequest", "3": "Reject",
              "4": "SequenceReset", "5": "Logout", "A": "Logon", "D": "NewOrderSingle",
              "F": "OrderCancelRequest", "G": "OrderCancelReplaceRequest",
              "H": "OrderStatusRequest", "8": "ExecutionReport", "9": "OrderCancelReject",
              "j": "BusinessMessageReject"}
_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
"""A number as FIX writes one: no exponent, no sign but minus, no spaces or underscores."""


@dataclass(frozen=True)
class Seen:
    """One message as it crossed: direction, MsgType and fields (first of each)."""

    dir: Literal["in", "out"]
    msg_type: str
    fields: Mapping[str, str]


@dataclass
class Judgement:
    """`verdict` None: not yet (the deadline has not come and something is still missing)."""

    verdict: Literal["pass", "fail"] | None
    why: list[str] = field(default_factory=list)
    bound: dict[str, str] = field(default_factory=dict)


def _same_field(got: str, want: str) -> bool:
    """A field's value: equal as numbers when both are plain numbers ("10" is "10.00"), else
    exactly, so that ClOrdIDs "a1" and "A1", or "1E2" and "100", stay two."""
    if _NUMBER.match(got) and _NUMBER.match(want):
        return Decimal(got) == Decimal(want)
    return got == want


def same_value(got: str, want: str) -> bool:
    """An answer typed by a person: a field's match once the spaces around are cut and the
    case is folded."""
    return _same_field(got.strip().casefold(), want.strip().casefold())


def resolve(value: str, bindings: Mapping[str, str]) -> str | None:
    """A script's value with a `$NAME` replaced by what it is bound to (None: unbound)."""
    return bindings.get(value[1:]) if value.startswith("$") else value


def _field_problem(tag: str, want: str, fields: Mapping[str, str],
                   bindings: Mapping[str, str]) -> str | None:
    got = fields.get(tag)
    if want == "*":
        return None if got is not None else f"{tag} absent"
    if want == "-":
        return None if got is None else f"{tag}={got} (want absent)"
    negated = want.startswith("~")
    wanted = resolve(want[1:] if negated else want, bindings)
    if negated:
        if wanted is None:
            return f"{tag}: {want} was never bound (an earlier step failed)"
        return None if got is None or not _same_field(got, wanted) else f"{tag}={got}"
    if wanted is None:
        return f"{tag}: {want} was never bound (an earlier step failed)"
    if got is None:
        return f"{tag} absent (want {wanted})"
    return None if _same_field(got, wanted) else f"{tag}={got} (want {wanted})"


def _problems(expect: Expect, seen: Seen, bindings: Mapping[str, str]) -> list[str]:
    found = [_field_problem(tag, want, seen.fields, bindings)
             for tag, want in expect.fields.items()]
    return [problem for problem in found if problem is not None]


def _is_kind(expect: Expect, seen: Seen) -> bool:
    return seen.dir == expect.dir and seen.msg_type == expect.type


def describe(expect: Expect) -> str:
    """The expectation in words: `in D (NewOrderSingle) 55=TEST1 38=100`."""
    way = "from the member" if expect.dir == "in" else "from the exchange"
    name = _MSG_NAMES.get(expect.type, "")
    fields = " ".join(f"{tag}={value}" for tag, value in expect.fields.items())
    text = f"{expect.type} {name} {way}".replace("  ", " ")
    text = f"{text} {fields}".rstrip()
    return f"{text} ({expect.note})" if expect.note else text


def _unbound(expect: Expect, bindings: Mapping[str, str]) -> list[str]:
    return [want for want in expect.fields.values()
            if want.startswith("$") and want[1:] not in bindings]


def _nearest(expect: Expect, window: Sequence[Seen], start: int,
             bindings: Mapping[str, str]) -> str:
    candidates = [(len(_problems(expect, seen, bindings)), index)
                  for index, seen in enumerate(window) if index >= start
                  and _is_kind(expect, seen)]
    if not candidates:
        return "none of that type crossed"
    _, index = min(candidates)
    return f"the nearest, message #{index + 1}, had " + \
        ", ".join(_problems(expect, window[index], bindings))


def _find_in_order(step: Step, window: Sequence[Seen], bindings: dict[str, str],
                   why: list[str]) -> bool:
    at = 0
    for expect in step.expect:
        for index in range(at, len(window)):
            seen = window[index]
            if _is_kind(expect, seen) and not _problems(expect, seen, bindings):
                for name, tag in expect.bind.items():
                    if tag in seen.fields:
                        bindings[name] = seen.fields[tag]
                why.append(f"seen (#{index + 1}): {describe(expect)}")
                at = index + 1
                break
        else:
            why.append(f"missing: {describe(expect)}; {_nearest(expect, window, at, bindings)}")
            return False
    return True


def _never(step: Step, window: Sequence[Seen], bindings: Mapping[str, str],
           why: list[str]) -> bool:
    clean = True
    for expect in step.never:
        unbound = _unbound(expect, bindings)
        if unbound:  # unchecked is not clean: a name never bound would match nothing
            why.append(f"cannot be checked, {', '.join(unbound)} never bound: "
                       f"{describe(expect)}")
            clean = False
            continue
        hits = [index + 1 for index, seen in enumerate(window)
                if _is_kind(expect, seen) and not _problems(expect, seen, bindings)]
        if hits:
            why.append(f"must never cross, but did (#{', #'.join(map(str, hits))}): "
                       f"{describe(expect)}")
            clean = False
        else:
            why.append(f"never crossed, as required: {describe(expect)}")
    return clean


def _answer(step: Step, answer: str | None, bindings: Mapping[str, str],
            why: list[str]) -> bool:
    if step.answer is None:
        return True
    wanted = resolve(step.answer, bindings)
    if wanted is None:
        why.append(f"the expected answer {step.answer} was never bound (an earlier step "
                   "failed)")
        return False
    if answer is None:
        why.append(f"no answer given; the member's system should show {wanted!r}")
        return False
    if not same_value(answer, wanted):
        why.append(f"the member's system shows {answer!r}; it should show {wanted!r}")
        return False
    why.append(f"the member's system shows {answer!r}, as it should")
    return True


def judge(step: Step, window: Sequence[Seen], bindings: Mapping[str, str],
          answer: str | None, checks: Mapping[str, str | None], *, final: bool) -> Judgement:
    """Judge `step` on its window; `checks` maps each of its checks to the exchange's
    finding (None: it holds; else why not); `final` at the deadline."""
    if (step.never or step.check) and not final:
        return Judgement(None)
    bound = dict(bindings)
    why: list[str] = []
    found = _find_in_order(step, window, bound, why)
    if not found and not final:
        return Judgement(None)
    clean = _never(step, window, bound, why)
    held = True
    for name in step.check:
        problem = checks.get(name, f"{name} was not checked")
        why.append(f"{name}: {problem}" if problem is not None else f"{name}: holds")
        held = held and problem is None
    shown = _answer(step, answer, bound, why)
    verdict: Literal["pass", "fail"] = "pass" if found and clean and held and shown else "fail"
    return Judgement(verdict, why, {k: v for k, v in bound.items() if bindings.get(k) != v})
