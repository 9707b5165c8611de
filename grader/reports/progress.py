"""``grade``'s progress: a bar on a terminal (tqdm), one plain line per submission otherwise (CI logs)."""

from __future__ import annotations

import sys
from typing import TextIO

from grader.messages import Catalogue
from grader.reports import isolation, terminal
from grader.results import SubmissionResult


class Lines:
    """One line per graded submission, for logs; and the sandbox warning once."""

    def __init__(self, cat: Catalogue, stream: TextIO):
        self.cat, self.stream, self.warned = cat, stream, False

    def start(self, total: int, kept: int) -> None:
        if kept:
            print(self.cat.text("terminal.resuming", kept=kept, total=total), file=self.stream, flush=True)

    def _warn(self, result: SubmissionResult) -> None:
        if isolation.layers_off(result.isolation) and not self.warned:
            self.warned = True
            self.write(self.cat.text("terminal.warning", text=isolation.summary(result.isolation, self.cat)))

    def write(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def advance(self, result: SubmissionResult) -> None:
        self._warn(result)
        self.write(terminal.progress_line(result, self.cat))

    def close(self) -> None:
        pass


class Bar(Lines):
    """done/total, rate and ETA from tqdm, and the submissions with problems so far."""

    def start(self, total: int, kept: int) -> None:
        from tqdm import tqdm  # only on a terminal

        super().start(total, kept)
        self.problems = 0
        self.bar = tqdm(total=total, initial=kept, file=self.stream, unit="sub", dynamic_ncols=True,
                        desc=self.cat.text("terminal.progress_bar"), smoothing=0.1)
        self.bar.set_postfix_str(self.cat.text("terminal.progress_problems", n=0))

    def write(self, line: str) -> None:
        self.bar.write(line, file=self.stream)

    def advance(self, result: SubmissionResult) -> None:
        self._warn(result)
        if result.load_issues:
            self.problems += 1
            self.bar.write(terminal.progress_line(result, self.cat), file=self.stream)  # worth a line of its own
            self.bar.set_postfix_str(self.cat.text("terminal.progress_problems", n=self.problems), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if hasattr(self, "bar"):
            self.bar.close()


def for_stream(cat: Catalogue, stream: TextIO | None = None) -> Lines:
    stream = stream or sys.stderr  # looked up now: the tests' CliRunner swaps it
    return Bar(cat, stream) if stream.isatty() else Lines(cat, stream)
