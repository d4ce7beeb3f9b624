"""The NVDR disclosure: who holds each security's NVDRs (S-14MEASURES; docs/disclosures.md,
"NVDR holders").

An NVDR (non-voting depositary receipt, symbol "PTT-R") carries a share's economic rights
without its vote, so a holder can build a position in a company that its register does not
show. S-14MEASURES has SET disclose, per security, the largest NVDR holders
(`nvdr_disclosure_top`, 10) and every holder of `nvdr_disclosure_pct` (0.5%) or more of the
security's listed shares. A holder is an investor: its NVDRs at every member and account count
together (decision 161).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from siamex.measures.depository import Depository
from siamex.measures.short_report import percent_text
from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import Scenario

__all__ = ["NVDR_COLUMNS", "NVDR_SUFFIX", "NvdrDisclosure", "NvdrHolder", "disclose_depository",
           "nvdr_csv", "nvdr_disclosure", "nvdr_holdings"]

NVDR_SUFFIX = "-R"
NVDR_COLUMNS = ("symbol", "listed_shares", "nvdr_shares", "rank", "investor", "qty", "pct",
                "top", "over_threshold")


@dataclass(frozen=True, slots=True)
class NvdrHolder:
    """A disclosed holder: its rank by quantity among all the security's NVDR holders, its
    NVDRs and their exact share of the listed shares (None when those are not known), and
    why it is disclosed: among the top holders, at or over the threshold, or both."""

    rank: int
    investor: str
    qty: int
    pct: Fraction | None
    top: bool
    over_threshold: bool

    def as_json(self) -> dict[str, str | int | bool | None]:
        return {"rank": self.rank, "investor": self.investor, "qty": self.qty,
                "pct": None if self.pct is None else percent_text(self.pct), "top": self.top,
                "over_threshold": self.over_threshold}


@dataclass(frozen=True, slots=True)
class NvdrDisclosure:
    """One security's disclosure: its listed shares (0: not known), the NVDRs held in all,
    and the disclosed holders, largest first."""

    symbol: str
    listed_shares: int
    nvdr_shares: int
    holders: tuple[NvdrHolder, ...]

    def as_json(self) -> dict[str, object]:
        return {"symbol": self.symbol, "listed_shares": self.listed_shares,
                "nvdr_shares": self.nvdr_shares,
                "holders": [holder.as_json() for holder in self.holders]}


def nvdr_holdings(depository: Depository) -> list[tuple[str, str, int]]:
    """The (investor, NVDR symbol, quantity) of a depository's NVDR holdings: an account's own
    NVDRs, settled plus bought minus sold not yet settled, never below 0 (decision 161)."""
    investor_of = depository.investors.investor_of
    return [(investor_of(h.member, h.account), h.symbol,
             max(0, h.settled + h.receivable - h.deliverable))
            for h in depository.holdings if h.symbol.endswith(NVDR_SUFFIX)]


def nvdr_disclosure(holdings: Iterable[tuple[str, str, int]], listed: Mapping[str, int], *,
                    top: int, threshold_pct: Fraction) -> list[NvdrDisclosure]:
    """Disclose, per underlying security (by symbol), its `top` largest NVDR holders (ties by
    investor id) and every holder of at least `threshold_pct` % of its listed shares (given by
    the underlying's symbol in `listed`; without them, the top holders only). Rows whose symbol
    is not an NVDR's are left out; a quantity below 0 is a ValueError."""
    held: dict[str, dict[str, int]] = {}
    for investor, symbol, qty in holdings:
        if qty < 0:
            raise ValueError(f"{investor} holds {qty} {symbol}: a holding is 0 or more")
        if symbol.endswith(NVDR_SUFFIX) and qty:
            by_investor = held.setdefault(symbol.removesuffix(NVDR_SUFFIX), {})
            by_investor[investor] = by_investor.get(investor, 0) + qty
    out = []
    for symbol in sorted(held):
        shares = listed.get(symbol, 0)
        ranked = sorted(held[symbol].items(), key=lambda item: (-item[1], item[0]))
        holders = []
        for rank, (investor, qty) in enumerate(ranked, 1):
            # S-14MEASURES: exactly the threshold is disclosed (decision 161)
            over = shares > 0 and qty * 100 >= threshold_pct * shares
            if rank <= top or over:
                holders.append(NvdrHolder(rank, investor, qty,
                                          Fraction(qty * 100, shares) if shares > 0 else None,
                                          rank <= top, over))
        out.append(NvdrDisclosure(symbol, shares, sum(held[symbol].values()), tuple(holders)))
    return out


def disclose_depository(depository: Depository, scenario: Scenario) -> list[NvdrDisclosure]:
    """The disclosure of a depository's NVDR holdings, with the listed shares and rules of the
    scenario's day of the depository's date, or else of its last day (decision 162)."""
    days = [plan.start for plan in scenario.days]
    start = next((s for s in days if s.date == depository.date.isoformat()),
                 days[-1] if days else None)
    rules = Rulebook(start.rules if start is not None else {})
    listed = {} if start is None else {spec.symbol: spec.listed_shares
                                       for spec in start.instruments}
    return nvdr_disclosure(nvdr_holdings(depository), listed, top=rules.nvdr_disclosure_top,
                           threshold_pct=rules.nvdr_disclosure_pct)


def nvdr_csv(disclosures: Sequence[NvdrDisclosure]) -> str:
    """The disclosure as CSV text, one disclosed holder a row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=NVDR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in disclosures:
        for holder in item.holders:
            row = {"symbol": item.symbol, "listed_shares": item.listed_shares,
                   "nvdr_shares": item.nvdr_shares, **holder.as_json()}
            writer.writerow({k: "" if v is None else str(v).lower() if isinstance(v, bool)
                             else v for k, v in row.items()})
    return out.getvalue()
