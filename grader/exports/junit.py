"""JUnit XML, for CI tools and anything that reads test reports: meant for students.

One ``testsuite`` per submission, one ``testcase`` per check (``classname`` the exercise), a ``failure``
with the message, the mistake and the counterexample; points as ``properties`` (JUnit has no points
attribute: the suite's score and maximum, and each case's points and score).  Written from the result
as a student may see it: hidden checks appear as passed or failed, without their inputs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.assignment import Assignment
from grader.exports import Options, Plan, feedback_catalogue
from grader.exports.graded import Graded, test_points
from grader.files import open_atomically
from grader.messages import Catalogue
from grader.reports.for_students import redact
from grader.reports.terminal import failure_lines
from grader.results import Visibility

# XML 1.0 cannot hold most control characters, whatever the escaping: a student's message may contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _properties(parent: ET.Element, values: dict[str, str]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=_text(value))


def suite(graded: Graded, assignment: Assignment, cat: Catalogue) -> ET.Element:
    result = redact(graded.result)
    cases = [(e, t, pts) for e in result.exercises for t, pts in zip(e.tests, test_points(e))]
    failures = [t for _, t, _ in cases if not t.passed]
    node = ET.Element("testsuite", name=_text(result.submission), tests=str(len(cases)),
                      failures=str(len(failures)), errors="0", skipped="0",
                      time=f"{result.duration_s:.3f}")
    values = {"assignment": result.assignment, "score": f"{graded.score:g}", "max_score": f"{result.max_score:g}",
              "students": ",".join(p.id for p in result.identity.students)}
    if graded.late_penalty_reason:
        values.update({"score_before_penalty": f"{result.score:g}", "late_penalty": graded.late_penalty_reason})
    for exercise in result.exercises:
        values[f"points.{exercise.name}"] = f"{exercise.score:g}/{exercise.max_score:g}"
    _properties(node, values)
    for exercise, test, (points, score) in cases:
        per_test = exercise.duration_s / max(1, len(exercise.tests))
        # A hidden check often shares its title with a public one: CI tools merge cases of the same name.
        name = test.name + (" (hidden)" if test.visibility is Visibility.HIDDEN else "")
        case = ET.SubElement(node, "testcase", name=_text(name), classname=_text(exercise.name),
                             time=f"{per_test:.3f}")
        _properties(case, {"points": f"{points:g}", "score": f"{score:g}", "visibility": test.visibility.value})
        if not test.passed:
            lines = failure_lines(test, exercise.name, cat, not result.load_issues, lambda text, **kw: text)
            failure = ET.SubElement(case, "failure", message=_text(lines[1] if len(lines) > 1 else test.outcome.value),
                                    type=test.outcome.value)
            failure.text = _text("\n".join(lines[1:]))
    return node


class JUnitExporter:
    name = "junit"
    needs_roster = False

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan:
        root = ET.Element("testsuites", name=_text(assignment.name))
        cat = feedback_catalogue(options, assignment)
        suites = [suite(g, assignment, cat) for g in graded]
        root.extend(suites)
        root.set("tests", str(sum(int(s.get("tests")) for s in suites)))
        root.set("failures", str(sum(int(s.get("failures")) for s in suites)))
        root.set("errors", "0")

        def write() -> list[Path]:
            out.parent.mkdir(parents=True, exist_ok=True)
            with open_atomically(out, binary=True) as handle:
                ET.ElementTree(root).write(handle, encoding="utf-8", xml_declaration=True)
            return [out]

        return Plan([], [], write)


EXPORTER = JUnitExporter()
