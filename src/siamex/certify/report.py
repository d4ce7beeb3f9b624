"""The certification report as its two files: `report.json`, signed, and `report.html`, the
page a member attaches to its application; and the report read back and verified
(docs/certify.md, "The report").

The JSON is the report; the HTML is a view of it, so only the JSON is signed and verified. The
signature is over the canonical form of the report's data (siamex.gateway.report_signature),
so the file is indented for reading and still verifies.

Decisions (docs/certify.md, "The report"):

- The page is one file that a reviewer may open offline and trust: inline CSS, no script, no
  image or font fetched, every text from the report escaped, a FIX message included; its
  Content-Security-Policy forbids scripts and fetches besides.
- Reading a report checks its format before its shape, so a report of a later format is named
  as such rather than as a malformed one.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Final

import msgspec

from siamex.certify.record import (
    REPORT_FORMAT,
    CaseRecord,
    Observed,
    Report,
    Signature,
    StepRecord,
    Summary,
)
from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.report_signature import check_signature, digest, sign
from siamex.units import shown

__all__ = ["Verification", "read_report", "report_html", "report_json", "signed",
           "verify_report"]

_DIRECTION: Final = {"in": "member \u2192 exchange", "out": "exchange \u2192 member"}
_POLICY: Final = "default-src 'none'; style-src 'unsafe-inline'"
"""Should anything slip past the escaping, the browser still runs and fetches nothing."""
_STYLE: Final = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1b1f24; margin: 2em auto;
       max-width: 72em; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; margin: .4em 0; }
th, td { border: 1px solid #d0d7de; padding: .25em .5em; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
code, .fix { font: 12px/1.4 ui-monospace, monospace; }
.fix { word-break: break-all; }
.pass { color: #116329; font-weight: bold; }
.fail { color: #a40e26; font-weight: bold; }
.step { border-left: 3px solid #d0d7de; padding-left: 1em; margin: 1em 0; }
.step.fail-step { border-left-color: #a40e26; }
.signature { margin-top: 3em; color: #57606a; }
"""


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    """What verifying a report found: `ok` when its signature holds under the key, else `why`
    not; `summary` is the report's own (whether its cases passed is another matter than
    whether it is authentic); `sha256` names the report as the registry journals it."""

    ok: bool
    why: str | None
    summary: Summary
    sha256: str


def _document(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = msgspec.to_builtins(report)
    return document


def signed(report: Report, key: bytes) -> Report:
    """The report with its signature under `key` (any signature it had is replaced)."""
    return msgspec.structs.replace(
        report, signature=msgspec.convert(sign(_document(report), key), Signature))


def report_json(report: Report) -> bytes:
    """`report.json`: the report indented for reading, ending with a newline."""
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


def read_report(path: Path) -> tuple[dict[str, Any], Report]:
    """A report file as the document its signature covers and as a Report; one that cannot be
    read, is not JSON, is of another format or of the wrong shape is refused (CERTIFY_REPORT).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.CERTIFY_REPORT,
                          f"cannot read {path}: {exc.strerror}") from None
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise SiamexError(ErrorCode.CERTIFY_REPORT, f"{path} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SiamexError(ErrorCode.CERTIFY_REPORT, f"{path} is not a JSON object")
    found = document.get("format")
    if found != REPORT_FORMAT:
        raise SiamexError(ErrorCode.CERTIFY_REPORT, (
            f"{path} is not a certification report of format {REPORT_FORMAT} "
            f"(its format: {shown(found)})"))
    try:
        report = msgspec.convert(document, Report)
    except msgspec.ValidationError as exc:
        raise SiamexError(ErrorCode.CERTIFY_REPORT,
                          f"{path} is not a whole report: {exc}") from None
    return document, report


def verify_report(path: Path, key: bytes) -> Verification:
    """Whether the report at `path` is as it was signed under `key`."""
    document, report = read_report(path)
    why = check_signature(document, key)
    return Verification(ok=why is None, why=why, summary=report.summary,
                        sha256=digest(document))


# -- the page ---------------------------------------------------------------------------------

def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _verdict(verdict: str) -> str:
    return f'<span class="{_e(verdict)}">{_e(verdict.upper())}</span>'


def _rows(rows: list[tuple[str, str]]) -> str:
    """A two-column table of labels and already escaped values."""
    body = "".join(f"<tr><th>{_e(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return f"<table>{body}</table>"


def _summary(report: Report) -> str:
    summary, script, member = report.summary, report.script, report.member
    failed = ", ".join(f'<a href="#case-{_e(c)}">{_e(c)}</a>' for c in summary.failed_cases)
    return _rows([
        ("Member", _e(member.member)),
        ("Order-routing system", f"{_e(member.ors)} (SenderCompID "
                                 f"<code>{_e(member.sender_comp_id)}</code>)"),
        ("Script", f"{_e(script.name)} version {_e(script.version)} ({_e(script.format)})"),
        ("Script SHA-256", f"<code>{_e(script.sha256)}</code>"),
        ("Mode", _e(report.mode)),
        ("Started", _e(report.started)),
        ("Finished", _e(report.finished)),
        ("Cases", _e(summary.cases)),
        ("Passed", f'<span class="pass">{_e(summary.passed)}</span>'),
        ("Failed", f'<span class="{"fail" if summary.failed else "pass"}">'
                   f"{_e(summary.failed)}</span>"),
        ("Failed cases", failed or "none"),
        ("siamex", _e(report.siamex)),
    ])


def _json_text(value: object) -> str:
    return _e(msgspec.json.encode(value).decode())


def _messages(messages: list[Observed]) -> str:
    if not messages:
        return "<p>No FIX message crossed during this step.</p>"
    rows = "".join(  # numbered as the step's verdict names them (#1 first)
        f"<tr><td>{n}</td><td><code>{_e(m.time)}</code></td>"
        f"<td>{_e(_DIRECTION.get(m.dir, m.dir))}</td><td><code>{_e(m.msg_type)}</code></td>"
        f"<td class=\"fix\">{_e(m.fix)}</td></tr>"
        for n, m in enumerate(messages, 1))
    return ("<table><tr><th>#</th><th>Time (UTC)</th><th>Direction</th><th>MsgType</th>"
            f"<th>Message</th></tr>{rows}</table>")


def _list(items: list[str], empty: str, kind: str = "") -> str:
    if not items:
        return empty
    opening = f'<ul class="{kind}">' if kind else "<ul>"
    return opening + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _step(step: StepRecord) -> str:
    rows = [
        ("Exchange did", _list(step.exchange, "nothing")),
        ("Instruction", _e(step.instruct)),
        ("Acts", _list([msgspec.json.encode(a).decode() for a in step.act], "none", "fix")),
        ("Asked", _json_text(step.ask) if step.ask is not None else "nothing"),
        ("Answer", _e(step.answer) if step.answer is not None else "none"),
        ("Expected", _e(step.expected_answer) if step.expected_answer is not None
         else "not judged"),
        ("Time", f"{_e(step.started)} to {_e(step.judged)}"),
        ("Verdict", _verdict(step.verdict)),
        ("Why", _list(step.why, "nothing to note")),
    ]
    extra = " fail-step" if step.verdict == "fail" else ""
    return (f'<div class="step{extra}"><h3>Step {_e(step.id)}</h3>{_rows(rows)}'
            f"{_messages(step.messages)}</div>")


def _case(case: CaseRecord) -> str:
    steps = "".join(_step(step) for step in case.steps)
    return (f'<section id="case-{_e(case.id)}"><h2>{_e(case.id)}: {_e(case.title)} '
            f"{_verdict(case.verdict)}</h2><p>Rule: {_e(case.rule)}</p>{steps}</section>")


def _signature(signature: Signature | None) -> str:
    if signature is None:
        return '<p class="signature">This report is not signed.</p>'
    return ('<div class="signature"><h2>Signature</h2>'
            + _rows([("Algorithm", _e(signature.algorithm)),
                     ("Key id", f"<code>{_e(signature.key_id)}</code>"),
                     ("Value", f"<code>{_e(signature.value)}</code>")])
            + "<p>The signature covers report.json, not this page: check it with "
              "<code>siamex certify verify report.json</code>.</p></div>")


def report_html(report: Report) -> str:
    """`report.html`: the summary, then every case step by step with its messages, then the
    signature; a standalone page with nothing to fetch and nothing to run."""
    title = (f"Certification of {report.member.ors} ({report.member.member}): "
             f"{report.summary.passed} passed, {report.summary.failed} failed")
    cases = "".join(_case(case) for case in report.cases)
    return ("<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
            f"<style>{_STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1>{_summary(report)}{cases}{_signature(report.signature)}"
            "</body></html>\n")
