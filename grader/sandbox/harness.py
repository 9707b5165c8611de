"""The student side: load a submission and answer calls, inside the student process.

Everything in this module runs in a process that has executed student code,
so nothing it reports is trusted: the grader validates and compares what it
sends back.  It knows nothing of the reference or of the tests; it only
executes what it is asked and describes the outcome as plain data.
"""

from __future__ import annotations

import ast
import importlib.util
import linecache
import os
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from grader.sandbox import wire

# The seed every random generator starts from before the submission loads and before each call: what a student's
# code draws then depends neither on the template that forked it nor on the calls before (a replay's, say).
SEED = 0


def _reseed() -> None:
    import random

    import torch

    random.seed(SEED)
    torch.manual_seed(SEED)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(SEED)


# Probes: assignment-specific student-side procedures (see assignments/*/probes.py).
PROBES: dict[str, Callable[..., dict]] = {}


def probe(name: str) -> Callable:
    """Register a student-side probe under ``name``."""

    def register(fn: Callable[..., dict]) -> Callable[..., dict]:
        PROBES[name] = fn
        return fn

    return register


class StudentNamespace(dict):
    """The globals the submission runs in."""


# ------------------------------------------------------------------ loading


def _register_source(filename: str, source: str) -> None:
    # So tracebacks of student code show their lines.
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)


def _units(plan: dict) -> list[tuple[str, Any, str]]:
    """(label, code object or SyntaxError, filename) for each unit of the plan."""
    units: list[tuple[str, Any, str]] = []
    if plan["kind"] == "module":
        filename, source = plan["filename"], plan["source"]
        _register_source(filename, source)
        tree = ast.parse(source, filename)  # the grader already checked it parses
        for stmt in tree.body:
            code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec")
            units.append((f"line {stmt.lineno}", code, filename))
    else:
        for cell in plan["cells"]:
            _register_source(cell["filename"], cell["source"])
            try:
                code = compile(cell["source"], cell["filename"], "exec")
            except SyntaxError as exc:
                code = exc
            units.append((cell["label"], code, cell["filename"]))
    return units


def _describe_error(exc: BaseException, filenames: set[str]) -> dict:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in filenames]
    lines = traceback.format_list(frames) if frames else []
    lines += traceback.format_exception_only(type(exc), exc)
    return {
        "type": type(exc).__name__,
        "message": _safe_str(exc)[:2000],
        "traceback": "".join(lines)[-4000:],
        "not_implemented": isinstance(exc, NotImplementedError),
    }


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<unprintable exception>"


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def load(sock, plan: dict, namespace: StudentNamespace) -> set[str]:
    """Execute the plan's units in order, reporting progress after each one."""
    namespace.update({"__name__": "__main__", "__builtins__": __builtins__})
    skip, died = set(plan.get("skip", ())), set(plan.get("died", ()))
    stop_module = plan["kind"] == "module"
    filenames: set[str] = set()
    reports = []
    for index, (label, code, filename) in enumerate(_units(plan)):
        filenames.add(filename)
        if index in skip or index in died:  # on an earlier attempt it hung, or it ended the process
            reports.append({"label": label, "status": "timeout" if index in skip else "died"})
            if stop_module:
                break  # a module never gets past a statement that does not finish
            continue
        wire.send_frame(sock, {"progress": index})
        if isinstance(code, SyntaxError):
            reports.append({"label": label, "status": "syntax_error", "error": _describe_error(code, filenames)})
            continue
        try:
            exec(code, namespace)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: a cell may not end the grader
            _flush()
            reports.append({"label": label, "status": "exception", "error": _describe_error(exc, filenames)})
            if stop_module:
                break
            continue
        _flush()
        reports.append({"label": label, "status": "ok"})
    names = {k: _kind(v) for k, v in list(namespace.items()) if not k.startswith("__")}
    wire.send_frame(sock, {"loaded": True, "units": reports, "names": names})
    return filenames


def _kind(value: Any) -> str:
    if isinstance(value, type):
        return "class"
    if callable(value):
        return "function"
    return "value"


# -------------------------------------------------------------- op watching


def _op_watcher():
    """A dispatch mode that counts the aten operators the student's call runs."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Watcher(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            # True (torch's default) wraps __torch_dispatch__ in torch._disable_dynamo, whose first call
            # imports torch._dynamo: 1.4 s of every grader start, for a compiler nobody here uses.
            return False

        def __init__(self):
            super().__init__()
            self.ops: Counter[str] = Counter()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.ops[func._schema.name] += 1
            return func(*args, **(kwargs or {}))

    return Watcher()


def warm_up(*, everything: bool = True) -> None:
    """Pay the one-off costs before any student code runs, so that no student process pays them again.

    Always: torch and numpy, the allocator, the dispatcher, the autograd engine (a broadcast in a
    backward pass loads torch's symbolic shapes and sympy, ~0.3 s) and the wire codec.  With
    ``everything``, also what an optimizer's first step loads (torch._dynamo, ~1.5 s): worth it for a
    batch, where every submission that uses torch.optim would pay it again, not for one
    ``grader check``.  Whatever is not loaded here still loads in the student process when it needs it.
    """
    import numpy  # noqa: F401  (students may use it; import it once here)
    import torch

    # A forked child must not inherit an OpenMP pool: with more than one intra-op thread, the first
    # parallel op after fork deadlocks.  A spawned one gets the same single thread, so that both
    # process models time student code alike.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.ones(2, 2).sum().item()  # initialise the allocator and dispatcher once

    with _op_watcher():
        x = torch.ones(3, 3, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        y = (x[:2, :2] * x[1:, 1:]).sum() + (x + b).sum()
        torch.autograd.grad(y, [x, b])
        # A sum over a dimension, given the output's gradient (as the gradient checks ask): its backward
        # loads sympy's other half (~0.45 s), else paid by the first student process that sums over dims.
        torch.autograd.grad((x * 2).sum(dim=1), [x], torch.ones(3))
    if everything:
        w = torch.zeros(2, requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=0.1)
        (w * 2).sum().backward()
        optimizer.step()
    wire.decode(wire.encode([x, (1, 2.0), {"a": None}]))


@dataclass(frozen=True)
class TemplateOptions:
    """How a template process (either kind) is started: ``[--disable=LAYER,...] [--warm=common|everything]
    [--d2l=NAME,...] [PROBES_FILE ...]``."""

    disabled: tuple[str, ...] = ()  # sandbox layers to treat as unavailable
    everything: bool = True  # whether to warm up everything (see ``warm_up``)
    d2l: tuple[str, ...] = ()  # the book functions the d2l stand-in provides (``[student] d2l``)
    probes: tuple[str, ...] = ()  # the assignment's probe files

    def argv(self) -> list[str]:
        return ["--disable=" + ",".join(self.disabled), "--warm=" + ("everything" if self.everything else "common"),
                "--d2l=" + ",".join(self.d2l), *self.probes]

    @classmethod
    def parse(cls, argv: list[str]) -> "TemplateOptions":
        flags = {a[2:].partition("=")[0]: a.partition("=")[2] for a in argv if a.startswith("--")}
        names = lambda key: tuple(n for n in flags.get(key, "").split(",") if n)  # noqa: E731
        return cls(names("disable"), flags.get("warm", "everything") == "everything", names("d2l"),
                   tuple(a for a in argv if not a.startswith("--")))


def prepare(options: TemplateOptions) -> None:
    """Make this interpreter what every student process of the assignment starts from: warm, with its d2l
    stand-in and its probes."""
    from grader.sandbox import d2l_shim

    warm_up(everything=options.everything)
    d2l_shim.install(options.d2l)
    load_probes(options.probes)


def load_probes(paths: tuple[str, ...]) -> None:
    """Import the assignment's probe files (public code), which register themselves with ``probe``."""
    for index, path in enumerate(paths):
        spec = importlib.util.spec_from_file_location(f"grader_probes_{index}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)


# -------------------------------------------------------------- answering


def _call(namespace: dict, request: dict) -> dict:
    import torch

    target = namespace.get(request["target"])
    if target is None:
        return {"ok": False, "missing": True}
    args = wire.decode(request.get("args", []))
    kwargs = wire.decode(request.get("kwargs", {"dict": {}}))
    grad = request.get("grad")
    wrt = grad["wrt"] if grad else []
    for i in wrt:
        args[i] = args[i].detach().requires_grad_(True)
    originals = [a.detach().clone() if isinstance(a, torch.Tensor) else None for a in args]
    watcher = _op_watcher()
    with watcher:
        value = target(*args, **kwargs)
        reply: dict[str, Any] = {"ok": True, "value": wire.encode(value)}
        if grad:
            reply["grads"] = _grads(value, [args[i] for i in wrt], wire.decode(grad["output"]))
    reply["ops"] = dict(watcher.ops)
    reply["args_changed"] = [
        bool(o is not None and (a.shape != o.shape or not torch.equal(a.detach(), o)))
        for a, o in zip(args, originals)
    ]
    return reply


def _grads(value: Any, inputs: list, grad_output: Any) -> Any:
    import torch

    if not isinstance(value, torch.Tensor) or value.grad_fn is None:
        return {"cut_off": True}
    if value.shape != grad_output.shape:
        return {"shape_mismatch": True}
    grads = torch.autograd.grad(value, inputs, grad_output.to(value.dtype), allow_unused=True)
    return [wire.encode(g) for g in grads]


def _probe(namespace: dict, request: dict) -> dict:
    fn = PROBES[request["name"]]
    kwargs = wire.decode(request.get("kwargs", {"dict": {}}))
    watcher = _op_watcher()
    with watcher:
        reply = fn(namespace, **kwargs)
    reply = {"ok": True, "value": wire.encode(reply)}
    reply["ops"] = dict(watcher.ops)
    return reply


HANDLERS = {"call": _call, "probe": _probe}


def serve(sock) -> None:
    """Load the submission described by the first frame, then answer requests until EOF."""
    namespace = StudentNamespace()
    first = wire.recv_frame(sock)
    _reseed()
    filenames = load(sock, first["plan"], namespace)
    while True:
        try:
            request = wire.recv_frame(sock)
        except wire.PeerClosed:
            return
        if request.get("op") == "exit":
            return
        try:
            _reseed()  # inside the try: student code may have broken the generators, which is its own problem
            reply = HANDLERS[request["op"]](namespace, request)
        except BaseException as exc:  # the student's exception, SystemExit included
            reply = {"ok": False, "error": _describe_error(exc, filenames)}
        _flush()
        reply["id"] = request.get("id")
        try:
            wire.send_frame(sock, reply)
        except (TypeError, ValueError) as exc:  # an unencodable reply is the student's problem
            wire.send_frame(sock, {"id": request.get("id"), "ok": False, "error": {
                "type": "UnencodableResult", "message": str(exc)[:500], "traceback": "", "not_implemented": False}})


def child_main(sock, output_fd: int) -> None:
    """Where a student process begins serving, forked or spawned, once confined: output to ``output_fd``."""
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    try:
        serve(sock)
    finally:
        _flush()
        os._exit(0)
