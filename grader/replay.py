"""The replay record: a check's passing examples, drawn once, replayed for every later submission.

With a fixed seed, every submission that passes a check sees exactly the inputs Hypothesis drew for the
first one, and the oracles compute the same expected values for them.  A passing run is recorded once
(inputs in the order the body saw them, and the value of every oracle call the body made); a later
submission runs the same body on the recorded examples, the oracles answered from the record.  Passing
them all is, by construction, what the full Hypothesis run would have concluded.  At the first example it
does not pass, the runner falls back to the real run (search, shrinking, diagnosis), so failures are
exactly as without a record.

A record is plain JSON (tensors as dtype, shape and raw bytes, by ``grader.sandbox.wire``): never a
pickle.  Its file name is a digest of everything that decides the examples (``key``); its content
carries that key and a checksum, and anything that does not decode, or does not match, is ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable

from grader.checks import Check
from grader.files import write_atomically
from grader.sandbox import wire

# Bumped whenever what a record holds, or how the runner replays it, changes.
FORMAT = 1
# ``GRADER_REPLAY_DIR``: where records are kept (instead of the user's cache folder), or "off".
DIR_ENV = "GRADER_REPLAY_DIR"


def default_dir() -> Path | None:
    """The folder for records: ``$GRADER_REPLAY_DIR``, else the user's cache folder; None when turned off."""
    chosen = os.environ.get(DIR_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "grader" / "replay"


# ------------------------------------------------------------------ values


def _faithful(value: Any, depth: int = 0) -> bool:
    """Whether ``wire`` carries ``value`` exactly (types, sizes); a record of anything else is not kept."""
    import torch

    if depth > wire.MAX_DEPTH:
        return False
    if value is None or type(value) in (bool, float):
        return True
    if type(value) is int:
        return abs(value) < 2**63
    if type(value) is str:
        return len(value) <= wire.MAX_STR
    if type(value) is torch.Tensor:
        return (wire._dtype_name(value.dtype) in wire.DTYPES and not value.requires_grad
                and value.numel() <= wire.MAX_TENSOR_ELEMENTS and value.device.type == "cpu")
    if type(value) in (list, tuple):
        return len(value) <= 10_000 and all(_faithful(v, depth + 1) for v in value)
    if type(value) is dict:
        return len(value) <= 1000 and all(type(k) is str and _faithful(v, depth + 1) for k, v in value.items())
    return False


def _fresh(value: Any) -> Any:
    """A copy a body may change without changing the record; tensors lose the wire's metadata."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.clone()  # (``clone`` keeps no Python attribute such as ``grader_wire``)
    if type(value) is list:
        return [_fresh(v) for v in value]
    if type(value) is tuple:
        return tuple(_fresh(v) for v in value)
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _digest_of(value: Any) -> str:
    """A digest of an oracle's arguments: a replayed call must ask what the recorded one asked."""
    import torch

    digest = hashlib.sha256()

    def add(v: Any) -> None:
        if isinstance(v, torch.Tensor):
            t = v.detach().cpu()
            digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
            # Flattened: a contiguous tensor may still have an odd stride on an axis of size 1, which view refuses.
            flat = t.contiguous().reshape(-1)
            digest.update(flat.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        elif type(v) in (list, tuple):
            digest.update(f"{type(v).__name__}{len(v)}[".encode())
            for item in v:
                add(item)
            digest.update(b"]")
        elif type(v) is dict:
            digest.update(f"d{len(v)}{{".encode())
            for k in sorted(v):
                add(k)
                add(v[k])
            digest.update(b"}")
        else:
            digest.update(f"{type(v).__name__}:{v!r};".encode())

    add(value)
    return digest.hexdigest()[:32]


# ------------------------------------------------------------------ oracles

_tape: ContextVar["Tape | None"] = ContextVar("grader_replay_tape", default=None)


class Tape:
    """The oracle calls of one example: written while recording, read back while replaying."""

    def __init__(self, calls: list | None = None):
        self.recording = calls is None
        self.calls: list = [] if calls is None else calls
        self.position = 0
        self.faithful = True  # false once a value the wire cannot carry exactly was recorded

    def answer(self, name: str, fn: Callable, args: tuple, kwargs: dict) -> Any:
        if self.recording:
            value = fn(*args, **kwargs)
            self.faithful = self.faithful and _faithful(value)
            self.calls.append((name, _digest_of((args, kwargs)), _fresh(value)))  # as returned, whatever the body does next
            return value
        if self.position < len(self.calls):
            recorded_name, digest, value = self.calls[self.position]
            self.position += 1
            if recorded_name == name and digest == _digest_of((args, kwargs)):
                return _fresh(value)
        self.position = len(self.calls) + 1  # off the record: compute from here on
        return fn(*args, **kwargs)


def recorded(oracles: Any) -> Any:
    """``oracles`` (a dataclass of callables) whose calls a replay record keeps and answers.

    Outside a recording or a replay (diagnoses, simplification, ``grader audit``) they simply compute.
    """

    def taped(name: str, fn: Callable) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            tape = _tape.get()
            return fn(*args, **kwargs) if tape is None else tape.answer(name, fn, args, kwargs)

        return call

    return dataclasses.replace(oracles, **{f.name: taped(f.name, getattr(oracles, f.name))
                                           for f in dataclasses.fields(oracles)})


def run_taped(tape: Tape, body: Callable, *args: Any, **kwargs: Any) -> None:
    """``body(*args, **kwargs)`` with its oracle calls going through ``tape``."""
    token = _tape.set(tape)
    try:
        body(*args, **kwargs)
    finally:
        _tape.reset(token)


# ------------------------------------------------------------------ records


@dataclasses.dataclass(frozen=True)
class Example:
    inputs: dict
    calls: list  # (oracle name, digest of its arguments, value)

    def fresh_inputs(self) -> dict:
        return _fresh(self.inputs)


class Recorder:
    """Collects the examples of one Hypothesis run of a check, in the order the body saw them."""

    def __init__(self) -> None:
        self.examples: list[Example] = []
        self.faithful = True

    def start(self, inputs: dict) -> Tape:
        """Called with each example's inputs before the body runs (the body may change them)."""
        self.faithful = self.faithful and _faithful(inputs)
        tape = Tape()
        if self.faithful:
            self.examples.append(Example(_fresh(inputs), tape.calls))
        return tape


def _encode(examples: list[Example]) -> list:
    return [{"inputs": wire.encode(e.inputs),
             "calls": [[name, digest, wire.encode(value)] for name, digest, value in e.calls]} for e in examples]


def _decode(data: Any) -> list[Example]:
    if not isinstance(data, list):
        raise wire.ProtocolError("examples are not a list")
    examples = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("calls"), list):
            raise wire.ProtocolError("malformed example")
        inputs = wire.decode(item.get("inputs"))
        if not isinstance(inputs, dict):
            raise wire.ProtocolError("malformed inputs")
        calls = []
        for call in item["calls"]:
            if not (isinstance(call, list) and len(call) == 3 and all(isinstance(c, str) for c in call[:2])):
                raise wire.ProtocolError("malformed oracle call")
            calls.append((call[0], call[1], wire.decode(call[2])))
        if any(isinstance(v, wire.Opaque) for v in _leaves([inputs, [c[2] for c in calls]])):
            raise wire.ProtocolError("a value that is not plain data")
        examples.append(Example(inputs, calls))
    return examples


def _leaves(value: Any):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


def _checksum(key: str, examples: Any) -> str:
    return hashlib.sha256((key + json.dumps(examples, sort_keys=True, separators=(",", ":"))).encode()).hexdigest()


class Replay:
    """The records of one assignment's checks, in a folder, keyed by what decides their examples.

    ``provenance``: the assignment's fingerprint and the versions (``grader.assignment.versions()``);
    ``settings``: for each check, what the runner runs it with (seed, phases, number of examples).
    """

    def __init__(self, folder: Path, provenance: dict[str, str]):
        self.folder = folder
        self.provenance = dict(provenance)
        self._loaded: dict[str, list[Example] | None] = {}
        self._unrecordable: set[str] = set()  # checks whose examples the wire cannot carry: not recorded again

    def records(self, check: Check, settings: dict[str, Any]) -> bool:
        """Whether a full run of ``check`` should be recorded."""
        return self.key(check, settings) not in self._unrecordable

    def key(self, check: Check, settings: dict[str, Any]) -> str:
        decided_by = {"format": FORMAT, "check": check.id, "settings": settings, "provenance": self.provenance,
                      "python": list(sys.version_info[:2])}
        return hashlib.sha256(json.dumps(decided_by, sort_keys=True).encode()).hexdigest()

    def examples(self, check: Check, settings: dict[str, Any]) -> list[Example] | None:
        """The recorded examples of ``check``, or None (none recorded, or one that cannot be trusted)."""
        key = self.key(check, settings)
        if key not in self._loaded:
            self._loaded[key] = self._read(key)
        return self._loaded[key]

    def _read(self, key: str) -> list[Example] | None:
        try:
            data = json.loads((self.folder / f"{key}.json").read_bytes())
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key \
                    or data.get("checksum") != _checksum(key, data.get("examples")):
                return None
            return _decode(data["examples"])
        except (OSError, ValueError, RecursionError, wire.ProtocolError):  # absent, unreadable, corrupt
            return None

    def keep(self, check: Check, settings: dict[str, Any], recorder: Recorder) -> None:
        """Keep the examples of a passing run (when the wire carries all of them exactly)."""
        key = self.key(check, settings)
        if not recorder.faithful or not all(_faithful([c[2] for c in e.calls]) for e in recorder.examples):
            self._unrecordable.add(key)
            return
        examples = recorder.examples
        self._loaded[key] = examples
        encoded = _encode(examples)
        data = {"format": FORMAT, "key": key, "check": check.id, "checksum": _checksum(key, encoded),
                "examples": encoded}
        try:
            # Private to this user: a record may hold hidden inputs and the reference's answers.
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            # whole or not at all, whoever writes at once
            write_atomically(self.folder / f"{key}.json", json.dumps(data, separators=(",", ":")), mode=0o600)
        except OSError:
            pass  # a cache that cannot be written costs speed, never a result
