"""Assignments: their spec (``assignment.toml``), checks, probes and reference.

An assignment folder holds ``assignment.toml``, ``probes.py`` (student-side
procedures, public; loaded into student processes when ``[student] probes``
names any), ``public.py`` (checks whose oracle reveals nothing) and,
in the instructor's checkout only, ``hidden/`` (checks against the reference
in ``reference/``).  Students' installed package has the public half only.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType

from grader.budget import DEFAULT_BUDGET_S
from grader import spec
from grader.checks import Check, Phrase
from grader.errors import AssignmentError
from grader.results import Visibility

PACKAGE = "grader_assignments"


@dataclass(frozen=True)
class Policy:
    name: str
    message: str
    forbidden_ops: tuple[str, ...]  # regular expressions searched in aten operator names at run time
    forbidden_attributes: tuple[str, ...]  # attribute and imported names, matched in the source
    forbidden_modules: tuple[str, ...]  # modules whose import is forbidden in the exercise's code
    message_zh: str = ""  # the message in Chinese (``message_zh``, like an exercise's ``title_zh``)

    @property
    def phrase(self) -> Phrase:
        """The message by key, for the reports: the catalogue holds ``policy.<name>`` in both languages."""
        return Phrase(f"policy.{self.name}", self.message)


@dataclass(frozen=True)
class Exercise:
    name: str
    points: float
    title: str
    title_zh: str
    policy: Policy | None
    timeout_s: float


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    folder: Path
    package: str  # the importable name of the folder, e.g. grader_assignments.conv_layer
    expected_stem: str  # the file name students hand in, without extension
    exercises: tuple[Exercise, ...]
    course_root: Path | None  # the instructor's checkout (with reference/), when found
    budget_s: float = DEFAULT_BUDGET_S  # wall-clock seconds for a whole submission (``budget_s``; grader.budget)
    title_zh: str = ""  # the title in Chinese (``title_zh``; the English title when not given)
    # What its student processes get (``[student]``): the book functions d2l's stand-in provides, and probes.
    d2l: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()

    @property
    def max_score(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def probe_files(self) -> list[Path]:
        """What student processes import to register the declared probes: none when none is declared."""
        return [self.folder / spec.PROBES_FILE] if self.probes else []

    @property
    def has_hidden(self) -> bool:
        return self.course_root is not None and (self.folder / "hidden" / "__init__.py").is_file()

    def checks(self, visibilities: tuple[Visibility, ...]) -> list[Check]:
        _mount(self.folder.parent)  # a fresh worker process has not imported the assignments yet
        checks: list[Check] = []
        if Visibility.PUBLIC in visibilities:
            checks += importlib.import_module(f"{self.package}.public").suite.checks
        if Visibility.HIDDEN in visibilities:
            if not self.has_hidden:
                raise AssignmentError(
                    f"the hidden tests and reference of {self.name!r} are not here: grade from the instructor's "
                    "checkout (the folder with assignments/ and reference/), or pass --course DIR"
                )
            hidden = importlib.import_module(f"{self.package}.hidden")
            checks += hidden.build(self.reference()).checks
        known = {e.name for e in self.exercises}
        unknown = {c.exercise for c in checks} - known
        if unknown:
            raise AssignmentError(f"checks name exercises not in assignment.toml: {sorted(unknown)}")
        return checks

    def fingerprint(self) -> str:
        """sha256 over everything a verdict depends on besides the submission and the versions (``versions()``).

        Every file of the assignment's folder (spec, checks, ``hidden/``, probes, messages), the shared check
        library (``SHARED``) and the reference solution; a gradebook regrades a submission whose fingerprint
        changed, and a replay record of another fingerprint is not used.
        """
        return _fingerprint(self.folder, self.course_root / "reference" / f"{self.expected_stem}.py"
                            if self.course_root is not None else None)

    def reference(self) -> ModuleType:
        path = self.course_root / "reference" / f"{self.expected_stem}.py"
        if not path.is_file():
            raise AssignmentError(f"the reference solution {path} is missing")
        spec = importlib.util.spec_from_file_location(f"grader_reference_{self.expected_stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


# The checks' shared library (grader/): a change to it can change a verdict as surely as the assignment's own checks;
# and the d2l stand-in, whose book functions a submission may call.
SHARED = ("tolerance.py", "checks.py", "tensorcheck", "sandbox/d2l_shim.py", "sandbox/d2l_book")
GRADER_DIR = Path(__file__).parent


def _sources(folder: Path) -> list[Path]:
    """Every file of ``folder`` (a file: itself), compiled files left out, in a fixed order."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".pyo"))


@functools.lru_cache(maxsize=8)
def _fingerprint(folder: Path, reference: Path | None, package: Path = GRADER_DIR) -> str:
    digest = hashlib.sha256()

    def add(name: str, path: Path) -> None:
        data = path.read_bytes() if path.is_file() else b""  # a missing file is a difference, not an error
        # Length-prefixed, so that no two different sets of files hash alike.
        for part in (name.encode(), data):
            digest.update(len(part).to_bytes(8, "big") + part)

    for path in _sources(folder):  # the spec, the checks (hidden/ included), probes, messages
        add(path.relative_to(folder).as_posix(), path)
    for name in SHARED:
        for path in _sources(package / name):
            add("grader/" + path.relative_to(package).as_posix(), path)
    if reference is not None:
        add("reference", reference)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """The versions a verdict depends on: a gradebook regrades when any of them changed."""
    found = {}
    for name in ("grader", "torch", "hypothesis"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


# ---------------------------------------------------------------- discovery


def _is_course_root(folder: Path) -> bool:
    return (folder / "assignments" / "__init__.py").is_file() and (folder / "reference").is_dir()


def find_course_root(explicit: Path | None = None) -> Path | None:
    """The instructor's checkout: explicit, $GRADER_COURSE, above the working directory, or around the package."""
    if explicit is not None:
        if not _is_course_root(explicit):
            raise AssignmentError(f"{explicit} is not a course folder (it needs assignments/ and reference/)")
        return explicit.resolve()
    if os.environ.get("GRADER_COURSE"):
        return find_course_root(Path(os.environ["GRADER_COURSE"]))
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _is_course_root(folder):
            return folder
    around_package = Path(__file__).resolve().parents[1]
    return around_package if _is_course_root(around_package) else None


def _mount(assignments_dir: Path) -> None:
    """Make ``grader_assignments`` import from ``assignments_dir`` (the checkout wins over the installed copy)."""
    current = sys.modules.get(PACKAGE)
    if current is not None and Path(current.__path__[0]).resolve() == assignments_dir.resolve():
        return
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        PACKAGE, assignments_dir / "__init__.py", submodule_search_locations=[str(assignments_dir)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)


def _assignments_dir(course_root: Path | None) -> Path:
    if course_root is not None:
        return course_root / "assignments"
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AssignmentError("no assignments are installed: reinstall grader")
    return Path(list(spec.submodule_search_locations)[0])


def all_assignments(course: Path | None = None) -> list[Assignment]:
    root = find_course_root(course)
    folder = _assignments_dir(root)
    _mount(folder)
    found = []
    for spec_file in sorted(folder.glob("*/assignment.toml")):
        found.append(_parse(spec_file, root))
    return found


def find(name: str, course: Path | None = None) -> Assignment:
    assignments = all_assignments(course)
    for assignment in assignments:
        if assignment.name == name:
            return assignment
    names = ", ".join(a.name for a in assignments) or "none"
    raise AssignmentError(f"no assignment named {name!r} (available: {names})")


def _parse(spec_file: Path, course_root: Path | None) -> Assignment:
    """The assignment ``spec_file`` describes, once ``grader.spec`` found it valid (else its ``SpecError``)."""
    data = spec.load(spec_file)
    policies = {
        key: Policy(key, value["message"], tuple(value.get("forbidden_ops", ())),
                    tuple(value.get("forbidden_attributes", ())), tuple(value.get("forbidden_modules", ())),
                    value.get("message_zh", value["message"]))
        for key, value in data.get("policy", {}).items()
    }
    exercises = tuple(
        Exercise(
            e["name"],
            float(e["points"]),
            e.get("title", e["name"]),
            e.get("title_zh", e.get("title", e["name"])),
            policies[e["policy"]] if e.get("policy") else None,
            float(e.get("timeout_s", data.get("timeout_s", 10))),
        )
        for e in data["exercise"]
    )
    return Assignment(
        name=data["name"],
        title=data.get("title", data["name"]),
        folder=spec_file.parent,
        package=f"{PACKAGE}.{spec_file.parent.name}",
        expected_stem=data.get("file", spec_file.parent.name),
        exercises=exercises,
        course_root=course_root,
        budget_s=float(data.get("budget_s", DEFAULT_BUDGET_S)),
        title_zh=data.get("title_zh", data.get("title", data["name"])),
        d2l=tuple(data.get("student", {}).get("d2l", ())),
        probes=tuple(data.get("student", {}).get("probes", ())),
    )
