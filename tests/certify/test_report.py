"""The certification report's files: the JSON round-trips and verifies, an edit of one byte is
refused with why, the HTML page escapes everything it shows and runs nothing, and a file that
is not a report is refused (docs/certify.md, "The report")."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import msgspec
import pytest

from siamex.certify import report as report_module
from siamex.certify.record import (
    REPORT_FORMAT,
    CaseRecord,
    MemberRecord,
    Observed,
    Report,
    ScriptRecord,
    StepRecord,
    Summary,
)
from siamex.certify.report import read_report, report_html, report_json, signed, verify_report
from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.operations_bodies import ReportBody
from siamex.gateway.report_signature import check_signature, key_id

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))
SCRIPT_TAG = "<script>alert('x')</script>"


def _step(id: str, verdict: str, fix: str, why: list[str]) -> StepRecord:
    return StepRecord(
        id=id, exchange=["planted a sell 100 TEST1 at 10.00 & waited"],
        instruct=f"Buy 100 TEST1 at 10.00 {SCRIPT_TAG}",
        act=[{"do": "order", "ref": "A", "symbol": "TEST1", "side": "buy", "qty": 100,
              "type": "limit", "price": "10.00", "validity": "day", "trader": "T1",
              "account": "C1"}],
        ask={"what": "status", "ref": "A"}, answer="filled & done", expected_answer="filled",
        started="2026-12-01T03:30:00.000000Z", judged="2026-12-01T03:30:01.250000Z",
        verdict=verdict,  # type: ignore[arg-type]
        why=why,
        messages=[
            Observed(time="2026-12-01T03:30:00.100000Z", dir="in", msg_type="D", fix=fix),
            Observed(time="2026-12-01T03:30:00.100400Z", dir="out", msg_type="8",
                     fix="8=FIX.4.4|35=8|39=2|58=R&D <b>|")])


def _report() -> Report:
    passing = CaseRecord(id="limit-day", title="A limit day order trades", rule="5.1",
                         verdict="pass",
                         steps=[_step("limit-day/1", "pass",
                                      "8=FIX.4.4|35=D|11=A&1|58=<script>|", [])])
    failing = CaseRecord(id="tick-size", title="A price off the tick is refused", rule="5.3",
                         verdict="fail",
                         steps=[_step("tick-size/1", "fail", "8=FIX.4.4|35=D|44=10.03|",
                                      ["expected TICK_SIZE, the answer was <none> & more"])])
    return Report(format=REPORT_FORMAT, siamex="0.1", mode="automatic",
                  script=ScriptRecord(format="siamex-certify/1", name="set-ors-1",
                                      version="1", sha256="ab" * 32),
                  member=MemberRecord(member="M01", ors="M01-ORS1", sender_comp_id="M01ORS1"),
                  started="2026-12-01T03:29:59.000000Z", finished="2026-12-01T03:31:00.000000Z",
                  summary=Summary(cases=2, passed=1, failed=1, failed_cases=["tick-size"]),
                  cases=[passing, failing])


def test_the_public_names() -> None:
    assert report_module.__all__ == ["Verification", "read_report", "report_html",
                                     "report_json", "signed", "verify_report"]


def test_the_gateway_reads_the_reports_own_format() -> None:
    field = next(f for f in msgspec.structs.fields(ReportBody) if f.name == "format")
    assert msgspec.convert(REPORT_FORMAT, field.type) == REPORT_FORMAT
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(REPORT_FORMAT + "x", field.type)


def test_a_signed_report_round_trips_through_json_and_verifies(tmp_path: Path) -> None:
    report = signed(_report(), KEY)
    assert report.signature is not None and report.signature.key_id == key_id(KEY)
    data = report_json(report)
    assert b'\n  "format"' in data and data.endswith(b"\n")  # indented for reading
    assert msgspec.json.decode(data, type=Report) == report
    path = tmp_path / "report.json"
    path.write_bytes(data)
    document, read = read_report(path)
    assert read == report and check_signature(document, KEY) is None
    verified = verify_report(path, KEY)
    assert (verified.ok, verified.why, verified.summary) == (True, None, report.summary)
    assert re.fullmatch(r"[0-9a-f]{64}", verified.sha256)


def test_signing_again_replaces_the_signature() -> None:
    once = signed(_report(), OTHER)
    assert signed(once, KEY) == signed(_report(), KEY)


def test_a_report_edited_by_one_byte_is_refused_with_why(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    data = report_json(signed(_report(), KEY))
    at = data.index(b'"verdict": "fail"') + len(b'"verdict": "')
    path.write_bytes(data[:at] + b"p" + data[at + 1:])  # "fail" -> "pail"
    with pytest.raises(SiamexError) as refused:  # no longer a report's shape
        verify_report(path, KEY)
    assert refused.value.code is ErrorCode.CERTIFY_REPORT
    passed = data.replace(b'"verdict": "fail"', b'"verdict": "pass"', 1)
    assert len(passed) == len(data)
    path.write_bytes(passed)
    verified = verify_report(path, KEY)
    assert not verified.ok and verified.why is not None and "altered" in verified.why


def test_a_report_under_another_key_or_unsigned_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(report_json(signed(_report(), OTHER)))
    verified = verify_report(path, KEY)
    assert not verified.ok and verified.why is not None and "another key" in verified.why
    path.write_bytes(report_json(_report()))
    verified = verify_report(path, KEY)
    assert not verified.ok and verified.why == "the report is not signed"


@pytest.mark.parametrize(("content", "says"), [
    (None, "cannot read"), (b"{not json", "not JSON"), (b"[]", "not a JSON object"),
    (b'{"format": "siamex-certify-report/2"}', "format"),
    (b'{"format": "siamex-certify-report/1"}', "not a whole report")])
def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path, content: bytes | None,
                                                says: str) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SiamexError) as refused:
        read_report(path)
    assert refused.value.code is ErrorCode.CERTIFY_REPORT and says in refused.value.message


class _Page(HTMLParser):
    """The page's tags and text, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_escapes_every_text_and_runs_nothing() -> None:
    report = signed(_report(), KEY)
    page = report_html(report)
    assert "<script" not in page.lower()
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags and {"img", "link", "iframe"}.isdisjoint(parsed.tags)
    assert not [name for name, _ in parsed.attrs if name in ("src", "onload", "onerror")]
    assert not [v for name, v in parsed.attrs if name == "href" and not (v or "").startswith("#")]
    text = "".join(parsed.text)
    for shown in (SCRIPT_TAG, "8=FIX.4.4|35=D|11=A&1|58=<script>|", "R&D <b>",
                  "filled & done", "expected TICK_SIZE, the answer was <none> & more"):
        assert shown in text
    assert "&amp;" in page and "&lt;script&gt;" in page


def test_the_page_shows_the_summary_first_then_the_cases_then_the_signature() -> None:
    report = signed(_report(), KEY)
    assert report.signature is not None
    page = report_html(report)
    order = ["M01-ORS1", "set-ors-1", "ab" * 32, "automatic", "2026-12-01T03:29:59",
             "tick-size", "limit-day/1", "2026-12-01T03:30:00.100000Z", "35=8", "tick-size/1",
             report.signature.value]
    at = [page.index(needle) for needle in order]
    assert at == sorted(at)
    assert page.count('class="fail"') >= 2 and "member \u2192 exchange" in page


def test_an_unsigned_page_says_so() -> None:
    assert "not signed" in report_html(_report())
