"""A day's TFEX collateral requests, each answered alone (clearing-spec.md 4.8).

Why apart from the book: a request names its quantity as written in the file and needs the
requirement in force for its member at its time, which only the day's margin runs know; here
each request is put to the book's rule in time order and either accepted, with the time it takes
effect, or refused with its code and sentence. One member's refused request never stops the
others (as decision 79 for the day's changes), and a refusal is recorded once and for all, so a
rerun of the day answers it the same (decision 132).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from siamex.clearing.derivatives.collateral import CollateralBook
from siamex.clearing.derivatives.collateral_file import CollateralRequest, Lot
from siamex.clearing.derivatives.collateral_state import (
    REFUSED,
    CollateralAnswer,
    CollateralOp,
    request_id,
)
from siamex.errors import ErrorCode, SiamexError
from siamex.units import wall_clock

__all__ = ["CallOutstanding", "Required", "answer_requests"]

Required = Callable[[str, dt.datetime], int]
"""The margin requirement in force for a member at a time, in satang."""
CallOutstanding = Callable[[str, dt.datetime], bool]
"""Whether a member has an intraday call outstanding at a time."""

_HUNDREDTHS = 100


def _quantity(book: CollateralBook, lot: Lot) -> int:
    """A lot in the book's unit: cash in hundredths (satang, cents), a security whole."""
    if book.valuer.is_cash(lot.asset):
        return lot.hundredths
    units, rest = divmod(lot.hundredths, _HUNDREDTHS)
    if rest:
        raise SiamexError(ErrorCode.COLLATERAL_FILE,
                          f"{lot.asset} is a security: its quantity is whole units")
    return units


def _act(book: CollateralBook, r: CollateralRequest, at: dt.datetime, required: Required,
         call_outstanding: CallOutstanding) -> dt.datetime:
    """Put a request to its rule; return when it takes effect."""
    if r.op is CollateralOp.DEPOSIT:
        (lot,) = r.deposit
        book.deposit(r.ref, r.member, lot.asset, _quantity(book, lot), at)
        return at
    if r.op is CollateralOp.WITHDRAW:
        (lot,) = r.withdraw
        return book.withdraw(r.ref, r.member, lot.asset, _quantity(book, lot), at,
                             required(r.member, at)).credit_at
    book.exchange(r.ref, r.member, {lot.asset: _quantity(book, lot) for lot in r.withdraw},
                  {lot.asset: _quantity(book, lot) for lot in r.deposit}, at,
                  required(r.member, at), call_outstanding=call_outstanding(r.member, at))
    return at


def answer_requests(book: CollateralBook, requests: Iterable[CollateralRequest],
                    required: Required, call_outstanding: CallOutstanding
                    ) -> list[CollateralAnswer]:
    """Answer the day's requests in time order (the given order at one time), one answer
    each. The day's quotes must price every asset held (`CollateralBook.check_quotes`)."""
    book.check_quotes()
    refused = REFUSED.get(book.store, book.day) or {}
    answers: list[CollateralAnswer] = []
    for r in sorted(requests, key=lambda r: r.time):
        name = request_id(r.member, r.ref)
        if name in refused:
            answers.append(refused[name])
            continue
        at = wall_clock(book.day, r.time)
        try:
            credit_at = _act(book, r, at, required, call_outstanding)
        except SiamexError as exc:
            refused[name] = CollateralAnswer(r.ref, r.member, r.op, False, None,
                                             exc.code.value, exc.message)
            # decision 132: kept before the next request is judged, so that a rerun after a
            # crash judges no refusal again against what later requests changed
            REFUSED.put(book.store, refused, book.day)
            answers.append(refused[name])
            continue
        answers.append(CollateralAnswer(r.ref, r.member, r.op, True, credit_at))
    return answers
