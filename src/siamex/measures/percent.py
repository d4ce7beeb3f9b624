"""Percentages the screening and the alerts compare exactly and print to the hundredth.

A rule compares the exact `Fraction` with its threshold (pillar 4); only the sentence a person
reads is rounded, half away from zero, so "7.46%" may stand for 7.4626...%.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["change_pct", "format_pct", "share_pct"]


def change_pct(before: int, after: int) -> Fraction:
    """The move from `before` to `after` as a percentage of `before` (negative: a fall)."""
    return Fraction((after - before) * 100, before)


def share_pct(part: int, whole: int) -> Fraction:
    """`part` as a percentage of `whole` (0 when there is no whole)."""
    return Fraction(part * 100, whole) if whole else Fraction(0)


def format_pct(value: Fraction) -> str:
    """Write a percentage with two decimals: "7.46%"."""
    hundredths = (abs(value) * 100 + Fraction(1, 2)).__floor__()
    sign = "-" if value < 0 and hundredths else ""
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}%"
