"""The authoring API: how an assignment declares its property checks.

An assignment's test module creates a ``Suite`` and decorates check
functions with ``suite.check``.  A check receives a ``Student`` proxy (whose
calls run in the student process) and the inputs Hypothesis drew, and raises
``Mismatch`` when the student's answer is wrong.  Checks never see student
objects, only plain data that came back over the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Callable

from grader.messages import english
from grader.results import Visibility


class Phrase(str):
    """An English phrase that reports can translate: ``Phrase("what.learned_kernel", "the learned kernel")``.

    It is the English text wherever a str is expected (f-strings, ``what`` arguments), and becomes
    ``{"key", "args", "en"}`` when passed as a ``Mismatch`` argument (see ``grader.messages``).
    """

    def __new__(cls, key: str, english: str, **args: Any) -> "Phrase":
        phrase = super().__new__(cls, english)
        phrase.key, phrase.args = key, args
        return phrase

    @classmethod
    def engine(cls, key: str, **args: Any) -> "Phrase":
        """A phrase of the engine's own catalogue (``grader.messages.MESSAGES``), its English rendered from it."""
        return cls(key, english(key, **args), **args)

    def plain(self) -> dict[str, Any]:
        return {"key": self.key, "args": plain_args(self.args), "en": str(self)}

    def __reduce__(self):
        return (_phrase, (self.key, str(self), self.args))


def _phrase(key: str, english: str, args: dict[str, Any]) -> Phrase:
    return Phrase(key, english, **args)


def plain_args(args: dict[str, Any] | None) -> dict[str, Any]:
    """Message arguments as plain data: phrases become ``{"key", "args", "en"}``, anything else unknown a str."""
    def plain(value: Any) -> Any:
        if isinstance(value, Phrase):
            return value.plain()
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return str(value)

    return {str(k): plain(v) for k, v in (args or {}).items()}


class Mismatch(AssertionError):
    """The student's answer is wrong.  ``diagnosis`` names the mistake when it is recognised.

    ``key`` and ``args`` name the English ``message`` in the assignment's message catalogue, so that
    reports can show it in the reader's language; the English message stays the record.
    """

    def __init__(self, message: str, *, expected: Any = None, got: Any = None, diagnosis: str | None = None,
                 key: str | None = None, args: dict[str, Any] | None = None, tentative: bool = False):
        super().__init__(message)
        self.message, self.expected, self.got, self.diagnosis = message, expected, got, diagnosis
        self.message_key, self.message_args = key, plain_args(args)  # (``args`` is taken by BaseException)
        # A diagnosis read off the answer alone (its shape, say): the check's own ``diagnose`` may name the cause.
        self.tentative = tentative


class StudentRaised(Exception):
    """The student's code raised; shrinking finds the smallest input that makes it raise."""

    def __init__(self, type_name: str, message: str, traceback: str):
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message, self.traceback = type_name, message, traceback


class Abort(BaseException):
    """Ends a check at once, without shrinking: the outcome does not depend on the input.

    A BaseException so that Hypothesis does not treat it as a failure to shrink.  ``key`` and ``args``
    name the English ``message`` in the catalogue, as for ``Mismatch``.
    """

    outcome = "error"

    def __init__(self, message: str, traceback: str = "", *, key: str | None = None,
                 args: dict[str, Any] | None = None):
        super().__init__(message)
        self.message, self.traceback = message, traceback
        self.message_key, self.message_args = key, plain_args(args)
        self.inputs: dict | None = None

    @classmethod
    def engine(cls, key: str, traceback: str = "", /, **args: Any) -> "Abort":
        """The signal saying the engine's sentence ``key`` (``grader.messages.MESSAGES``), its English rendered
        from the catalogue."""
        return cls(english(key, **args), traceback, key=key, args=args)


class NotImplementedSignal(Abort):
    outcome = "not_implemented"


class TimeoutSignal(Abort):
    outcome = "timeout"


class CrashSignal(Abort):
    outcome = "error"


class ForbiddenSignal(Abort):
    outcome = "forbidden"


@dataclass(frozen=True)
class Check:
    exercise: str
    name: str
    title: str
    body: Callable[..., None]
    given: Any  # a Hypothesis strategy of dicts of named inputs, or None for a single run
    examples: tuple[dict, ...]
    weight: float
    visibility: Visibility
    max_examples: int
    timeout_s: float | None
    # After the minimal counterexample is found: (student, inputs, failure) -> (code, sentence) or None;
    # a third item, {"inputs", "expected", "got"}, is the input the diagnosis was proven on (reports draw it).
    diagnose: Callable[..., tuple | None] | None = None
    # Simpler variants of a failing input (smaller, rounder), tried greedily on the minimal one found.
    simplify: Callable[[dict], Iterable[dict]] | None = None
    # Whether a passing run may be recorded and replayed (``grader.replay``): a check whose body is not a
    # function of its inputs and the student's answers (it reads a clock, a random source) must say False.
    replay: bool = True
    # Whether Hypothesis shrinks before ``simplify`` runs: inputs drawn from seeds and small integers shrink
    # cheaply (and ``simplify`` may not reach what the shrinker does); grids of floats do not.
    shrink: bool = False

    @property
    def id(self) -> str:
        return f"{self.visibility.value}.{self.exercise}.{self.name}"


@dataclass
class Suite:
    visibility: Visibility
    checks: list[Check] = field(default_factory=list)

    def check(
        self,
        exercise: str,
        *,
        title: str,
        given: Any = None,
        examples: list[dict] = (),
        weight: float = 1.0,
        max_examples: int = 20,
        timeout_s: float | None = None,
        diagnose: Callable[..., tuple | None] | None = None,
        simplify: Callable[[dict], Iterable[dict]] | None = None,
        replay: bool = True,
        shrink: bool = False,
    ) -> Callable:
        """Register ``fn(student, **inputs)`` as a check of ``exercise``."""

        def register(fn: Callable[..., None]) -> Callable[..., None]:
            self.checks.append(
                Check(exercise, fn.__name__, title, fn, given, tuple(examples), weight,
                      self.visibility, max_examples, timeout_s, diagnose, simplify, replay, shrink)
            )
            return fn

        return register
