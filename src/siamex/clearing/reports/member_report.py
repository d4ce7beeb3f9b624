"""A clearing day's report per member: trades, net obligations, settlement, fails, fees.

Why one set of tables underlies every form: the JSON object, the CSV files and the readable
summary are cut from the same rows (`tables`), so they cannot disagree. Every row names the
member whose statement it belongs to: a row that concerns two members (a loan's lender and
borrower, a default's defaulter and each survivor's share) is written once for each. Money
leaves the integer world only here, as decimal THB strings; shares stay integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from siamex.clearing.billing.month_end import MonthEnd
from siamex.clearing.default.waterfall import Layer
from siamex.clearing.equities.fails import OpenLoan, RemedyOutcome
from siamex.clearing.equities.gross import GrossResult
from siamex.clearing.equities.obligations import Obligation
from siamex.clearing.equities.psms import Instruction
from siamex.clearing.equities.psms_book import PsmsFail
from siamex.clearing.equities.psms_day import PsmsDay
from siamex.clearing.equities.settlement import Movement, SettlementResult
from siamex.clearing.foundations.files import write_tables
from siamex.clearing.foundations.ledger import THB
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.money import format_baht
from siamex.clearing.reports.day_report import BookAnswer, CollateralDay, DayReport, SettledDate

__all__ = ["TABLES", "member_status", "print_report", "report_json", "tables", "write_csv"]

Row = dict[str, str | int | bool]

TABLES: dict[str, tuple[str, ...]] = {
    "trades": ("member", "trade_id", "trade_date", "settlement_date", "side", "security",
               "trading_member", "account", "account_type", "order_id", "qty", "price", "value"),
    "obligations": ("member", "settlement_date", "account_type", "asset", "direction", "due",
                    "done", "status"),
    "securities": ("member", "settlement_date", "account_type", "security", "net_qty"),
    "cash": ("member", "settlement_date", "account_type", "net_amount"),
    "settlement": ("member", "settlement_date", "already_settled", "round", "movement",
                   "account_type", "asset", "quantity"),
    "fails": ("member", "settlement_date", "round", "kind", "account_type", "asset", "short",
              "value"),
    "fees": ("member", "side", "trading_member", "order_id", "traded_value", "fee"),
    "balances": ("member", "purpose", "account_type", "asset", "quantity"),
    "gross": ("member", "trade_id", "settlement_date", "side", "account_type", "security",
              "qty", "value", "settled", "short"),
    "risk": ("member", "pfe", "ce", "tolerance", "ews", "csv", "cap_limit", "cap",
             "stress_loss", "uncovered", "stress", "required", "held", "call", "debited",
             "shortfall"),
    "collateral": ("member", "ref", "op", "asset", "quantity", "at", "accepted", "reason"),
    "remedies": ("member", "day", "kind", "security", "qty", "amount", "detail"),
    "payment_fails": ("member", "settlement_date", "account_type", "due", "available",
                      "declared_default"),
    "loans": ("member", "role", "lender", "borrower", "account_type", "security", "qty",
              "collateral", "fee", "start", "due_date"),
    "fines": ("member", "type", "security", "settlement_date", "days_late", "failed_value",
              "error_count", "amount"),
    "defaults": ("member", "defaulter", "day", "cause", "layer", "used"),
    "fund": ("member", "month", "settled_value", "contribution", "paid"),
    "book": ("member", "op", "trade_id", "side", "value", "at", "accepted", "code", "reason"),
    "psms": ("member", "op", "ids", "at", "accepted", "reason"),
    "psms_settlement": ("member", "agent", "id", "settlement_date", "side", "security", "qty",
                        "amount", "settled", "delivery_short", "payment_short"),
    "bills": ("member", "month", "membership", "clearing", "psms", "fines", "total"),
}


def _kind(account_type: AccountType | None) -> str:
    return "" if account_type is None else account_type.value


def _quantity(asset: str, qty: int) -> str | int:
    """Shares stay whole numbers; satang become decimal THB."""
    return format_baht(qty) if asset == THB else qty


def _movements(settled: SettledDate, result: SettlementResult) -> Iterable[Row]:
    groups: tuple[tuple[str, tuple[Movement, ...]], ...] = (
        ("delivered", result.delivered), ("paid", result.paid), ("credited", result.credited))
    for name, movements in groups:
        for m in movements:
            yield {"member": m.member, "settlement_date": str(settled.settlement_date),
                   "already_settled": settled.already_settled, "round": result.round_no,
                   "movement": name, "account_type": _kind(m.account_type), "asset": m.asset,
                   "quantity": _quantity(m.asset, m.qty)}


def _fails(settled: SettledDate, result: SettlementResult) -> Iterable[Row]:
    day = str(settled.settlement_date)
    for d in result.delivery_fails:
        yield {"member": d.member, "settlement_date": day, "round": result.round_no,
               "kind": "delivery", "account_type": _kind(d.account_type), "asset": d.security,
               "short": d.qty_short, "value": format_baht(d.value)}
    for p in result.payment_fails:
        yield {"member": p.member, "settlement_date": day, "round": result.round_no,
               "kind": "payment", "account_type": _kind(p.account_type), "asset": THB,
               "short": format_baht(p.amount_short), "value": format_baht(p.amount_short)}


def _gross(result: GrossResult) -> Iterable[Row]:
    failed = {f.item.trade_id: f for f in result.failed}
    for item in (*result.settled, *(f.item for f in result.failed)):
        fail = failed.get(item.trade_id)
        for member, side, kind, short in (
                (item.seller, "sell", item.seller_account_type,
                 fail.delivery_short if fail else 0),
                (item.buyer, "buy", item.buyer_account_type,
                 format_baht(fail.payment_short) if fail else 0)):
            yield {"member": member, "trade_id": item.trade_id,
                   "settlement_date": str(item.settlement_date), "side": side,
                   "account_type": kind.value, "security": item.security, "qty": item.qty,
                   "value": format_baht(item.value), "settled": fail is None, "short": short}


def _risk(day: CollateralDay) -> Iterable[Row]:
    for member, r in sorted(day.risk.items()):
        debit = day.debits.get(member)
        shortfall = debit.default.shortfall if debit and debit.default else 0
        amounts = {"pfe": r.pfe, "ce": r.ce, "tolerance": r.tolerance, "ews": r.call.ews,
                   "csv": r.csv, "cap_limit": r.cap, "cap": r.call.cap,
                   "stress_loss": r.stress_loss, "uncovered": r.uncovered,
                   "stress": r.call.stress, "required": r.call.required, "held": r.call.held,
                   "call": debit.call if debit else r.call.call,
                   "debited": debit.debited if debit else 0, "shortfall": shortfall}
        yield {"member": member, **{k: format_baht(v) for k, v in amounts.items()}}


def _collateral(day: CollateralDay) -> Iterable[Row]:
    for answer in day.requests:
        r = answer.request
        yield {"member": r.member, "ref": r.ref, "op": r.op, "asset": r.asset,
               "quantity": _quantity(r.asset, r.qty), "at": r.at.isoformat(),
               "accepted": answer.accepted, "reason": answer.reason}


def _defaults(remedies: RemedyOutcome) -> Iterable[Row]:
    """The defaulter's waterfall layer by layer, then each survivor's share of layer 4 in the
    survivor's own statement (decision 81)."""
    for d in remedies.defaults:
        w = d.waterfall
        base = {"member": d.member, "defaulter": d.member, "day": str(d.day), "cause": d.ref}
        yield {**base, "layer": "loss", "used": format_baht(w.loss)}
        for layer in Layer:
            yield {**base, "layer": layer.value, "used": format_baht(w.uses[layer])}
            if layer is Layer.NON_DEFAULTER_CONTRIBUTIONS:
                for member, share in sorted(w.shares.items()):
                    yield {**base, "layer": f"{layer.value}:{member}",
                           "used": format_baht(share)}
        yield {**base, "layer": "uncovered", "used": format_baht(w.uncovered)}
        for member, share in sorted(w.shares.items()):
            if share:
                yield {**base, "member": member,
                       "layer": Layer.NON_DEFAULTER_CONTRIBUTIONS.value,
                       "used": format_baht(share)}


def _obligation(o: Obligation) -> Row:
    return {"member": o.member, "settlement_date": str(o.settlement_date),
            "account_type": _kind(o.account_type), "asset": o.asset, "direction": o.direction,
            "due": _quantity(o.asset, o.due), "done": _quantity(o.asset, o.done),
            "status": o.status}


def _loans(loans: Iterable[OpenLoan]) -> Iterable[Row]:
    """Each open loan in the borrower's statement and in the lender's (decision 81)."""
    for open_loan in loans:
        loan = open_loan.loan
        row = {"lender": loan.lender, "borrower": loan.borrower,
               "account_type": loan.account_type.value, "security": loan.security,
               "qty": loan.qty, "collateral": format_baht(open_loan.collateral),
               "fee": format_baht(open_loan.fee), "start": str(loan.start),
               "due_date": str(loan.due)}
        yield {"member": loan.borrower, "role": "borrower", **row}
        yield {"member": loan.lender, "role": "lender", **row}


def _book(answers: Iterable[BookAnswer]) -> Iterable[Row]:
    for answer in answers:
        change = answer.change
        row = {"op": change.op.value, "trade_id": change.trade_id,
               "side": "" if change.side is None else change.side.value, "value": change.value,
               "at": change.at.isoformat(), "accepted": answer.accepted, "code": answer.code,
               "reason": answer.reason}
        for member in answer.members or ("",):
            yield {"member": member, **row}


def _fund(month: MonthEnd) -> Iterable[Row]:
    for member in sorted({*month.contributions, *month.unpaid}):
        paid = member in month.contributions
        amount = month.contributions[member] if paid else month.unpaid[member]
        yield {"member": member, "month": month.month,
               "settled_value": format_baht(month.settled_value.get(member, 0)),
               "contribution": format_baht(amount), "paid": paid}


def _psms(day: PsmsDay) -> Iterable[Row]:
    for answer in day.answers:
        r = answer.request
        ids = r.ids if r.instruction is None else (r.instruction.id,)
        yield {"member": answer.member, "op": r.op, "ids": " ".join((*ids, r.new_id)).strip(),
               "at": r.at.isoformat(), "accepted": answer.accepted, "reason": answer.reason}


def _psms_settlement(day: PsmsDay) -> Iterable[Row]:
    for result in day.results:
        rows: list[tuple[Instruction, Instruction, PsmsFail | None]] = [
            (m, a, None) for m, a in result.settled]
        rows += [(f.member_side, f.agent_side, f) for f in result.failed]
        for m, a, fail in rows:
            yield {"member": m.member, "agent": a.agent, "id": m.id,
                   "settlement_date": str(m.settlement_date), "side": m.side.value,
                   "security": m.security, "qty": m.quantity, "amount": format_baht(m.amount),
                   "settled": fail is None,
                   "delivery_short": 0 if fail is None else fail.delivery_short,
                   "payment_short": format_baht(0 if fail is None else fail.payment_short)}


def tables(report: DayReport) -> dict[str, list[Row]]:
    """The report's rows, one list per table of `TABLES`, each row naming its member."""
    rounds = [(s, r) for s in report.settled for r in s.rounds]
    return {
        "trades": [{"member": t.member, "trade_id": t.trade_id, "trade_date": str(t.trade_date),
                    "settlement_date": str(t.settlement_date), "side": t.side,
                    "security": t.security, "trading_member": t.trading_member,
                    "account": t.account, "account_type": t.account_type.value,
                    "order_id": t.order_id, "qty": t.qty, "price": format_baht(t.price),
                    "value": format_baht(t.value)}
                   for t in sorted(report.trades, key=lambda t: (t.member, t.trade_id, t.side))],
        "obligations": [_obligation(o) for o in report.obligations],
        "securities": [{"member": s.member, "settlement_date": str(s.settlement_date),
                        "account_type": s.account_type.value, "security": s.security,
                        "net_qty": s.net_qty} for s in report.positions.securities],
        "cash": [{"member": c.member, "settlement_date": str(c.settlement_date),
                  "account_type": _kind(c.account_type), "net_amount": format_baht(c.net_amount)}
                 for c in report.positions.cash],
        "settlement": [row for s, r in rounds for row in _movements(s, r)],
        "fails": [row for s, r in rounds for row in _fails(s, r)],
        "fees": [{"member": f.member, "side": f.side, "trading_member": f.trading_member,
                  "order_id": f.order_id, "traded_value": format_baht(f.traded_value),
                  "fee": format_baht(f.fee)} for f in report.fees],
        "balances": [{"member": a.owner, "purpose": a.purpose, "account_type": _kind(
                          a.account_type), "asset": a.asset, "quantity": _quantity(a.asset, q)}
                     for a, q in sorted(report.balances.items())],
        "gross": [row for g in report.gross for row in _gross(g)],
        "risk": [] if report.collateral is None else list(_risk(report.collateral)),
        "collateral": [] if report.collateral is None else list(_collateral(report.collateral)),
        "remedies": [{"member": e.member, "day": str(e.day), "kind": e.kind,
                      "security": e.security, "qty": e.qty, "amount": format_baht(e.amount),
                      "detail": e.detail} for e in report.remedies.events],
        "payment_fails": [{"member": p.member, "settlement_date": str(p.settlement_date),
                           "account_type": _kind(p.account_type), "due": format_baht(p.due),
                           "available": format_baht(p.available),
                           "declared_default": format_baht(p.declared)}
                          for p in report.remedies.payment_fails],
        "loans": list(_loans(report.loans)),
        "fines": [{"member": f.member, "type": f.type, "security": f.security,
                   "settlement_date": str(f.settlement_date), "days_late": f.days_late,
                   "failed_value": format_baht(f.failed_value), "error_count": f.error_count,
                   "amount": format_baht(f.amount)} for f in report.remedies.fines],
        "defaults": list(_defaults(report.remedies)),
        "fund": [] if report.month is None else list(_fund(report.month)),
        "book": list(_book(report.book)),
        "psms": [] if report.psms is None else list(_psms(report.psms)),
        "psms_settlement": [] if report.psms is None else list(_psms_settlement(report.psms)),
        "bills": [] if report.month is None else [
            {"member": b.member, "month": b.month, "membership": format_baht(b.membership),
             "clearing": format_baht(b.clearing), "psms": format_baht(b.psms),
             "fines": format_baht(b.fines), "total": format_baht(b.total)}
            for b in report.month.bills],
    }


def _settled_in_full(settled: SettledDate) -> bool:
    last = settled.rounds[-1]
    return not last.delivery_fails and not last.payment_fails


def member_status(report: DayReport, member: str) -> str:
    """Where a member stands at the end of the day: `fails` while a delivery or payment of
    its own is open, `defaulted` when TCH declared its default today, `waiting` while shares
    or cash owed to it wait (for a loan, a buy-in or another member's payment), `settled`
    when every obligation due today was met, `pending` when it has only obligations due
    later, "" when it has none (decision 78)."""
    statuses = {o.status for o in report.obligations if o.member == member}
    if "failed" in statuses:
        return "fails"
    if any(d.member == member for d in report.remedies.defaults):
        return "defaulted"
    if statuses & {"waiting", "withheld"}:
        return "waiting"
    if statuses:
        return "settled"
    dates = {s.settlement_date for s in report.positions.securities if s.member == member}
    dates |= {c.settlement_date for c in report.positions.cash if c.member == member}
    return "pending" if dates & set(report.pending) else ""


def report_json(report: DayReport) -> dict[str, Any]:
    """The report as one JSON-ready object: the day, then each member's tables."""
    rows = tables(report)
    members = sorted({str(row["member"]) for table in rows.values() for row in table})
    fee_totals = {m: sum(f.fee for f in report.fees if f.member == m) for m in members}
    return {
        "run_date": str(report.run_date),
        "trade_dates": [str(d) for d in report.trade_dates],
        "settlement_dates": [{"settlement_date": str(s.settlement_date),
                              "already_settled": s.already_settled,
                              "settled_in_full": _settled_in_full(s)} for s in report.settled],
        "pending_settlement_dates": [str(d) for d in report.pending],
        "risk_measured": report.collateral is not None,
        "financial_resources": None if report.collateral is None
        else format_baht(report.collateral.financial_resources),
        "members": {
            member: {
                "status": member_status(report, member),
                **{name: [{k: v for k, v in row.items() if k != "member"}
                          for row in table if row["member"] == member]
                   for name, table in rows.items()},
                "fee_total": format_baht(fee_totals[member]),
            }
            for member in members
        },
    }


def write_csv(report: DayReport, folder: Path) -> list[Path]:
    """Write one CSV file per table into `folder` (made if missing); return their paths."""
    return write_tables(folder, tables(report), TABLES)


_SHOWN = {"risk": ("member", "ews", "cap", "stress", "required", "held", "call", "debited",
                   "shortfall"),
          "loans": ("lender", "borrower", "security", "qty", "collateral", "fee", "due_date"),
          "book": ("member", "op", "trade_id", "side", "at", "accepted", "reason")}
# the summary's columns; JSON and CSV have them all. A loan is printed once, the borrower's row.
_ONCE = {"loans": ("role", "borrower")}


def _signed(qty: int) -> str:
    return f"{qty:+,}"


def print_report(report: DayReport, console: Console) -> None:
    """Print the day readably: its settlement dates, then a line per member, then any fails."""
    dates = ", ".join(str(d) for d in report.trade_dates) or "none"
    console.print(f"[bold]Clearing run {report.run_date}[/bold]: trades of {dates}, "
                  f"{len(report.trades) // 2} trade(s)")
    for s in report.settled:
        state = ("already settled: nothing moved again" if s.already_settled
                 else "settled now")
        outcome = "in full" if _settled_in_full(s) else "with open fails"
        console.print(f"settlement date {s.settlement_date}: {state}, {outcome}")
    for day in report.pending:
        console.print(f"settlement date {day}: pending (due after {report.run_date})")
    rows = tables(report)
    table = Table("member", "securities (net, + receive)", "cash THB (net, + receive)",
                  "settlement", "orders", "fees THB")
    members = sorted({str(row["member"]) for name in ("obligations", "securities", "cash",
                                                      "fees") for row in rows[name]})
    for member in members:
        securities = "\n".join(
            f"{s.security} {s.account_type.value} {_signed(s.net_qty)} ({s.settlement_date})"
            for s in report.positions.securities if s.member == member)
        cash = "\n".join(f"{'+' if c.net_amount > 0 else ''}{format_baht(c.net_amount)}"
                         f" ({c.settlement_date})"
                         for c in report.positions.cash if c.member == member)
        status = member_status(report, member)
        fees = [f for f in report.fees if f.member == member]
        table.add_row(member, securities, cash, status.upper() if status == "fails" else status,
                      str(len(fees)),
                      format_baht(sum(f.fee for f in fees)))
    console.print(table)
    if report.collateral is None:
        console.print("risk collateral: not measured (no day instructions given)")
    else:
        console.print(f"financial resources: "
                      f"{format_baht(report.collateral.financial_resources)} THB")
    titles = {"obligations": f"obligations due on {report.run_date}: due against done",
              "fails": "fails", "gross": "gross settlement", "risk": "risk measures and call",
              "book": "book changes", "collateral": "collateral requests",
              "remedies": "remedies", "payment_fails": "payment fails",
              "loans": "open loans", "fines": "fines",
              "defaults": "defaults: the waterfall layer by layer, and each survivor's share",
              "fund": "risk-based fund contributions", "bills": "the month's bills",
              "psms": "pre-settlement matching requests",
              "psms_settlement": "pre-settlement matching settled"}
    for name, title in titles.items():
        if rows[name]:
            columns = _SHOWN.get(name, TABLES[name])
            table = Table(*columns, title=title)
            column, value = _ONCE.get(name, ("", ""))
            for row in rows[name]:
                if not column or row[column] == value:
                    table.add_row(*(str(row[k]) for k in columns))
            console.print(table)
