"""The measures' base fines as rulebook data: the bundled table prices every breach, and a bad
table is refused whole with FINES_FILE, hand-written and generated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.measure_fines import (
    Breach,
    default_measure_fines,
    load_measure_fines,
    read_measure_fines,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "disclosures.md"
BUNDLED = ROOT / "src" / "siamex" / "rulebook" / "data" / "measure-fines.toml"
TABLE = "[base_fine]\n" + "".join(f"{b.value} = 1000\n" for b in Breach)
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)


def test_the_bundled_table_prices_every_breach_in_satang() -> None:
    table = default_measure_fines()
    assert [breach for breach, _ in table.base] == list(Breach)
    assert table.base_fine(Breach.NAKED_SHORT_SALE) == 5_000_000  # 50,000 THB [I]
    assert table.base_fine(Breach.HFT_NOT_REGISTERED) == 10_000_000


def test_every_bundled_amount_carries_its_confidence_label() -> None:
    for line in BUNDLED.read_text().splitlines():
        if " = " in line and not line.startswith("#"):
            assert "# [I]" in line, line


def test_each_breach_names_the_rule_whose_penalty_is_tripled() -> None:
    assert {b: b.rule for b in Breach} == {
        Breach.NAKED_SHORT_SALE: "short_sale", Breach.UNCOVERED_SALE: "short_sale",
        Breach.SHORT_SALE_SCREENED: "short_sale", Breach.PROGRAM_SCREENED: "program_trading",
        Breach.HFT_NOT_REGISTERED: "program_trading",
        Breach.HFT_NOT_PERMITTED: "program_trading"}


def test_amounts_are_whole_baht_or_text_with_two_decimals(tmp_path: Path) -> None:
    path = tmp_path / "fines.toml"
    path.write_text(TABLE.replace("uncovered_sale = 1000", 'uncovered_sale = "12.50"')
                    .replace("program_screened = 1000", "program_screened = 0")
                    .replace("hft_not_permitted = 1000", "hft_not_permitted = 100000000"))
    table = load_measure_fines(path)
    assert table.base_fine(Breach.UNCOVERED_SALE) == 1_250
    assert table.base_fine(Breach.PROGRAM_SCREENED) == 0
    assert table.base_fine(Breach.HFT_NOT_PERMITTED) == 10**10  # the largest; one more is not


@pytest.mark.parametrize(("text", "says"), [
    (TABLE.replace("uncovered_sale = 1000\n", ""), "uncovered_sale missing"),
    (TABLE + "wash_trade = 5\n", "'wash_trade' is no breach"),
    (TABLE.replace("= 1000\n", "= 1000.5\n", 1), "never floats"),
    (TABLE.replace("= 1000\n", '= "1.005"\n', 1), "finer than 0.01"),
    (TABLE.replace("= 1000\n", '= "-1"\n', 1), "not a decimal number"),
    (TABLE.replace("= 1000\n", "= 100000001\n", 1), "must be 0.00 to 100000000.00 THB"),
    (TABLE.replace("= 1000\n", "= true\n", 1), "not a fines table"),
    ("extra = 1\n" + TABLE, "not a fines table"),
    ("base_fine = " + "[" * 5000, "not a fines table"),
    ("", "not a fines table"),
])
def test_a_bad_fines_table_is_refused_whole_saying_what_to_fix(
        tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "fines.toml"
    path.write_text(text)
    with pytest.raises(SiamexError) as refused:
        load_measure_fines(path)
    assert refused.value.code is ErrorCode.FINES_FILE
    assert says in refused.value.message and str(path) in refused.value.message


def test_a_missing_fines_table_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as refused:
        load_measure_fines(tmp_path / "absent.toml")
    assert refused.value.code is ErrorCode.FILE_NOT_FOUND


@SETTINGS
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_garbage_is_refused_as_a_fines_file(raw: bytes) -> None:
    try:
        read_measure_fines(raw, "garbage.toml")
    except SiamexError as refused:
        assert refused.code is ErrorCode.FINES_FILE


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "inf" if value == float("inf") else "-inf" if value == float("-inf") \
            else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


@SETTINGS
@given(breach=st.sampled_from(list(Breach)),
       value=st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False),
                       st.text(max_size=40), st.booleans(),
                       st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)))
def test_a_table_with_any_one_amount_changed_is_read_or_refused(breach: Breach,
                                                                value: object) -> None:
    text = TABLE.replace(f"{breach.value} = 1000", f"{breach.value} = {_toml(value)}")
    try:
        table = read_measure_fines(text.encode(), "fines.toml")
    except SiamexError as refused:
        assert refused.code is ErrorCode.FINES_FILE
    else:
        assert 0 <= table.base_fine(breach) <= 10**10


def test_every_breach_is_in_the_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for breach in Breach:
        assert f"`{breach.value}`" in text, breach
