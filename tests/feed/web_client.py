"""A browser's side of the market-data WebSocket, written from docs/market-data-web.md alone
with the standard library (no siamex code): each channel's state rebuilt from its snapshot and
its updates, with every `seq` checked."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

Json = dict[str, Any]

EMPTY_STATS: Json = {"open": None, "high": None, "low": None, "last": None, "volume": 0,
                     "value": "0.00", "trades": 0}


class GapError(AssertionError):
    """An update whose `seq` is not the last one's plus one."""


def _no_float(text: str) -> float:
    raise AssertionError(f"a JSON number with a fraction or exponent: {text}")


def parse(text: str) -> Json:
    """A message's JSON; AssertionError if a number in it is not an integer (the protocol
    writes prices and values as strings)."""
    message: Json = json.loads(text, parse_float=_no_float)
    return message


def _new_day(security: Json, limits: Json) -> None:
    security.update(limits=limits, statuses=[], last=None, stats=dict(EMPTY_STATS),
                    indicative=None, auction=None, summary=None)


def _apply_security(security: Json, message: Json) -> None:
    """The rules of docs/market-data-web.md for a security's state."""
    kind = message["type"]
    if kind == "limits":
        _new_day(security, message["limits"])
    elif kind == "phase":
        security["phase"] = message["phase"]
        security["indicative"] = None
    elif kind == "status":
        security["statuses"].append(message["status"])
    elif kind == "trade":
        security["last"] = message["trade"]
        security["stats"] = message["stats"]
    elif kind == "indicative":
        security["indicative"] = message["indicative"]
    elif kind == "auction":
        security["auction"] = message["auction"]
        security["indicative"] = None
    elif kind == "summary":
        security["summary"] = message["summary"]
    else:
        raise AssertionError(f"no such update {kind!r}")


class Channel:
    """One channel as a client keeps it."""

    def __init__(self) -> None:
        self.seq = -1
        self.feed = 0
        self.state: Json = {}
        self.book: dict[str, dict[str, dict[str | None, tuple[int, int]]]] = {}
        self.snapshots = 0

    def apply(self, message: Json) -> None:
        if message["type"] == "snapshot":
            self._snapshot(message)
            return
        if message["seq"] != self.seq + 1:
            raise GapError(f"{message['channel']}: seq {message['seq']} after {self.seq}")
        self.seq = message["seq"]
        self.feed = message["feed"]
        if message["type"] == "depth":
            side = self.book[message["board"]][message["side"]]
            for price, shares, orders in message["levels"]:
                if shares:
                    side[price] = (shares, orders)
                else:
                    del side[price]
        elif "market" in self.state:
            self._apply_market(self.state["market"], message)
        else:
            _apply_security(self.state["security"], message)

    def _snapshot(self, message: Json) -> None:
        self.seq = message["seq"]
        self.feed = message["feed"]
        self.snapshots += 1
        if "market" in message:
            self.state = {"market": copy.deepcopy(message["market"])}
            return
        self.state = {"security": copy.deepcopy(message["security"])}
        self.book = {board: {side: {price: (shares, orders)
                                    for price, shares, orders in levels}
                             for side, levels in sides.items()}
                     for board, sides in message["book"].items()}

    @staticmethod
    def _apply_market(market: Json, message: Json) -> None:
        kind = message["type"]
        if kind == "system":
            market["event"] = message["event"]
            if message["event"] == "S":
                market["statuses"] = []
        elif kind == "index":
            market["indices"][message["name"]] = message["index"]
        elif kind == "phase" and message["symbol"] is None:
            market["phase"] = message["phase"]
            for security in market["securities"].values():
                _apply_security(security, message)
        elif kind == "status" and message["symbol"] is None:
            market["statuses"].append(message["status"])
        elif kind == "best":
            market["securities"][message["symbol"]]["best"] = message["best"]
        elif kind == "limits" and message["symbol"] not in market["securities"]:
            security = {"symbol": message["symbol"], "phase": None,
                        "best": {"bid": None, "ask": None}}
            _new_day(security, message["limits"])
            market["securities"][message["symbol"]] = security
        else:
            _apply_security(market["securities"][message["symbol"]], message)

    def levels(self, board: str, side: str) -> list[tuple[str | None, int, int]]:
        """A side as a screen shows it: the unpriced level first, then best price first."""
        held = self.book[board][side]
        priced = sorted((p for p in held if p is not None),
                        key=lambda p: _cents(p), reverse=side == "B")
        head = [None] if None in held else []
        return [(price, *held[price]) for price in [*head, *priced]]

    def same_as(self, snapshot: Json) -> bool:
        """Whether this channel holds what a fresh snapshot of it holds."""
        if snapshot["seq"] != self.seq:
            return False
        if "market" in snapshot:
            return bool(self.state == {"market": snapshot["market"]})
        book = {board: {side: {price: (shares, orders) for price, shares, orders in levels}
                        for side, levels in sides.items()}
                for board, sides in snapshot["book"].items()}
        return bool(self.state == {"security": snapshot["security"]} and self.book == book)


def _cents(price: str) -> int:
    whole, cents = price.split(".")
    return int(whole) * 100 + int(cents)


class Client:
    """Every channel of one connection, from the JSON texts it received."""

    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.answers: list[Json] = []
        self.kinds: Counter[str] = Counter()
        """How many messages of each type arrived."""

    def receive(self, text: str) -> Json:
        message = parse(text)
        self.kinds[message["type"]] += 1
        if message["type"] in ("error", "unsubscribed"):
            self.answers.append(message)
            if message["type"] == "unsubscribed":
                del self.channels[message["channel"]]
            return message
        self.channels.setdefault(message["channel"], Channel()).apply(message)
        return message
