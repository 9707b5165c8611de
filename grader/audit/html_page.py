"""The audit as one self-contained HTML page, in the style of the other reports (Jinja2, autoescape)."""

from __future__ import annotations

from pathlib import Path

from grader.audit.report import AuditReport
from grader.files import write_atomically
from grader.reports.templating import environment, version


def render(report: AuditReport) -> str:
    return environment().get_template("audit.html.j2").render(
        report=report, title=f"Audit of {report.assignment}", html_lang="en", version=version())


def write(report: AuditReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, render(report))
