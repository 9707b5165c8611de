"""Mutation operators: the mistakes students make in these exercises, written on Python's ``ast``.

An operator is a generator over one top-level definition (a function or a class) that yields a
``Site`` for every place it can mutate, in a fixed order.  A site's ``apply`` mutates that very tree
in place and returns module-level code to add after the definition (only ``global_arg`` needs it:
the global the mutant reads instead of its argument).  To build the k-th mutant, ``mutants`` parses
the definition afresh, walks the operator to its k-th site and applies it, so each mutant holds
exactly one mutation.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    description: str  # what the mutation does, e.g. "`a + b` → `a - b`"
    apply: Callable[[], str]


@dataclass(frozen=True)
class Slot:
    """Where a node hangs in its parent, so that it can be replaced."""

    parent: ast.AST
    field: str
    index: int | None
    node: ast.AST

    def replace(self, new: ast.AST) -> None:
        ast.copy_location(new, self.node)
        if self.index is None:
            setattr(self.parent, self.field, new)
        else:
            getattr(self.parent, self.field)[self.index] = new


def slots(root: ast.AST) -> Iterator[Slot]:
    """Every node under ``root`` with its place, breadth first (the order ``ast.walk`` gives)."""
    for parent in ast.walk(root):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        yield Slot(parent, name, i, item)
            elif isinstance(value, ast.AST):
                yield Slot(parent, name, None, value)


def code(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _expr(source: str) -> ast.expr:
    return ast.parse(source, mode="eval").body


def _call(func: str, *args: ast.expr, **keywords: ast.expr) -> ast.Call:
    return ast.Call(func=_expr(func), args=list(args), keywords=[ast.keyword(k, v) for k, v in keywords.items()])


def _method(receiver: ast.expr, name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Attribute(receiver, name, ast.Load()), args=list(args), keywords=[])


def _is_docstring(slot: Slot) -> bool:
    return isinstance(slot.parent, ast.Expr) and isinstance(slot.node, ast.Constant) and isinstance(slot.node.value, str)


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _int(node: ast.AST, value: int | None = None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and (value is None or node.value == value)


def _operands(root: ast.AST) -> Iterator[Slot]:
    """Tensor-like arguments of calls: names and attributes (``K``, ``self.weight``), not constants or calls."""
    for slot in slots(root):
        if isinstance(slot.parent, ast.Call) and slot.field == "args" and isinstance(slot.node, (ast.Name, ast.Attribute)):
            yield slot


def _returned(root: ast.AST) -> Iterator[ast.Return]:
    for node in ast.walk(root):
        if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Tuple):
            yield node


# ------------------------------------------------------------------ the operators


BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.MatMult: ast.Mult,
               ast.FloorDiv: ast.Div, ast.Pow: ast.Mult}


def arith_swap(root: ast.AST) -> Iterator[Site]:
    """An arithmetic operator swapped: ``+``/``-``, ``*``/``/``, ``@`` → ``*`` (elementwise for a matrix product)."""
    for node in ast.walk(root):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOP_SWAPS:
            before = code(node)

            def apply(node=node) -> str:
                node.op = BINOP_SWAPS[type(node.op)]()
                return ""
            yield Site(f"`{before}`: {_opname(node.op)} → {_opname(BINOP_SWAPS[type(node.op)]())}", apply)


def _opname(op: ast.operator) -> str:
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.FloorDiv: "//",
            ast.Pow: "**"}.get(type(op), type(op).__name__)


def sign_flip(root: ast.AST) -> Iterator[Site]:
    """A sign lost or added: a unary minus dropped, a returned value negated."""
    for slot in slots(root):
        if isinstance(slot.node, ast.UnaryOp) and isinstance(slot.node.op, ast.USub):
            yield Site(f"`{code(slot.node)}` → `{code(slot.node.operand)}`",
                       lambda slot=slot: slot.replace(slot.node.operand) or "")
    for ret in _returned(root):
        yield Site(f"`return {code(ret.value)}` → `return -(...)`",
                   lambda ret=ret: setattr(ret, "value", ast.UnaryOp(ast.USub(), ret.value)) or "")


def off_by_one(root: ast.AST) -> Iterator[Site]:
    """``+ 1`` dropped or doubled in shape arithmetic and ranges; a slice bound or ``range`` end moved by one."""
    for slot in slots(root):
        node = slot.node
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and _int(node.right, 1):
            yield Site(f"`{code(node)}` → `{code(node.left)}` (the ±1 dropped)",
                       lambda slot=slot: slot.replace(slot.node.left) or "")

            def double(node=node) -> str:
                node.right = ast.Constant(2)
                return ""
            yield Site(f"`{code(node)}`: 1 → 2 (the ±1 doubled)", double)
    for node in ast.walk(root):
        bounds = []
        if isinstance(node, ast.Slice):
            bounds = [(node, f) for f in ("lower", "upper") if getattr(node, f) is not None]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
            bounds = [(node.args, len(node.args) - 1 if len(node.args) > 1 else 0)]
        for owner, key in bounds:
            for op in (ast.Sub, ast.Add):
                def shift(owner=owner, key=key, op=op) -> str:
                    if isinstance(owner, list):
                        owner[key] = ast.BinOp(owner[key], op(), ast.Constant(1))
                    else:
                        setattr(owner, key, ast.BinOp(getattr(owner, key), op(), ast.Constant(1)))
                    return ""
                bound = owner[key] if isinstance(owner, list) else getattr(owner, key)
                yield Site(f"bound `{code(bound)}` {_opname(op())} 1 in `{code(node)}`", shift)


AXIS_METHODS = {"unfold", "size", "flip", "sum", "cumsum", "roll", "narrow", "select", "transpose", "mean", "cat",
                "stack", "squeeze", "unsqueeze", "flatten"}


def swap_axes(root: ast.AST) -> Iterator[Site]:
    """Indices or axes swapped: ``h, w = K.shape`` → ``w, h``, ``X[i, j]`` → ``X[j, i]``, axis 0 ↔ 1, loops in the other order."""
    for node in ast.walk(root):
        if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and not any(isinstance(e, ast.Starred) for e in node.elts):
            for i in range(len(node.elts) - 1):
                if ast.dump(node.elts[i]) == ast.dump(node.elts[i + 1]):
                    continue

                def swap(node=node, i=i) -> str:
                    node.elts[i], node.elts[i + 1] = node.elts[i + 1], node.elts[i]
                    return ""
                yield Site(f"`{code(node.elts[i])}` and `{code(node.elts[i + 1])}` swapped in `{code(node)}`", swap)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)) and len(node.generators) == 2:
            def reorder(node=node) -> str:
                node.generators.reverse()
                return ""
            yield Site(f"the two loops of `{code(node)}` in the other order", reorder)
    for slot in slots(root):
        node, parent = slot.node, slot.parent
        axis = (_int(node, 0) or _int(node, 1)) and (
            # X.shape[0], K.size(1), X.unfold(0, ...), x.sum(dim=1)
            (isinstance(parent, ast.Subscript) and slot.field == "slice" and isinstance(parent.value, ast.Attribute)
             and parent.value.attr == "shape")
            or (isinstance(parent, ast.Call) and slot.field == "args" and slot.index == 0
                and isinstance(parent.func, ast.Attribute) and parent.func.attr in AXIS_METHODS)
            or (isinstance(parent, ast.keyword) and parent.arg in ("dim", "axis")))
        if axis:
            other = 1 - node.value
            yield Site(f"axis {node.value} → {other} in `{code(parent) if not isinstance(parent, ast.keyword) else parent.arg}`",
                       lambda slot=slot, other=other: slot.replace(ast.Constant(other)) or "")


def transpose(root: ast.AST) -> Iterator[Site]:
    """A transpose added (to an argument or the result) or dropped."""
    for slot in _operands(root):
        yield Site(f"`{code(slot.node)}` → `{code(slot.node)}.T`",
                   lambda slot=slot: slot.replace(ast.Attribute(slot.node, "T", ast.Load())) or "")
    for ret in _returned(root):
        yield Site(f"`return {code(ret.value)}` → `return (...).T`",
                   lambda ret=ret: setattr(ret, "value", ast.Attribute(ret.value, "T", ast.Load())) or "")
    for slot in slots(root):
        node = slot.node
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT") and isinstance(node.ctx, ast.Load):
            yield Site(f"`{code(node)}` → `{code(node.value)}` (transpose dropped)",
                       lambda slot=slot: slot.replace(slot.node.value) or "")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("t", "transpose"):
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "torch" and node.args:
                inner = node.args[0]
            else:
                inner = node.func.value
            yield Site(f"`{code(node)}` → `{code(inner)}` (transpose dropped)",
                       lambda slot=slot, inner=inner: slot.replace(inner) or "")


def flip(root: ast.AST) -> Iterator[Site]:
    """A flip added (the kernel of a strict convolution, where cross-correlation was asked) or dropped."""
    for slot in _operands(root):
        yield Site(f"`{code(slot.node)}` → `torch.flip({code(slot.node)}, dims=(0, 1))`",
                   lambda slot=slot: slot.replace(_call("torch.flip", slot.node, dims=_expr("(0, 1)"))) or "")
    for slot in slots(root):
        node = slot.node
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "flip", "fliplr", "flipud", "rot90"):
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "torch" and node.args:
                inner = node.args[0]
            else:
                inner = node.func.value
            yield Site(f"`{code(node)}` → `{code(inner)}` (flip dropped)",
                       lambda slot=slot, inner=inner: slot.replace(inner) or "")


def drop_term(root: ast.AST) -> Iterator[Site]:
    """A term dropped from a sum: ``corr2d(x, w) + self.bias`` → ``corr2d(x, w)``."""
    for slot in slots(root):
        node = slot.node
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and not _int(node.right, 1):
            yield Site(f"`{code(node)}` → `{code(node.left)}` (`{code(node.right)}` dropped)",
                       lambda slot=slot: slot.replace(slot.node.left) or "")
            if isinstance(node.op, ast.Add):
                yield Site(f"`{code(node)}` → `{code(node.right)}` (`{code(node.left)}` dropped)",
                           lambda slot=slot: slot.replace(slot.node.right) or "")


def _body_after_docstring(fn: ast.FunctionDef) -> int:
    first = fn.body[0]
    return 1 if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str) else 0


def _functions(root: ast.AST) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(root):
        if isinstance(node, ast.FunctionDef):
            yield node


def detach(root: ast.AST) -> Iterator[Site]:
    """Autograd cut off: ``.detach()`` added to an argument or the result, a body run under ``torch.no_grad()``."""
    for slot in _operands(root):
        yield Site(f"`{code(slot.node)}` → `{code(slot.node)}.detach()`",
                   lambda slot=slot: slot.replace(_method(slot.node, "detach")) or "")
    for ret in _returned(root):
        yield Site(f"`return {code(ret.value)}` → `return (...).detach()`",
                   lambda ret=ret: setattr(ret, "value", _method(ret.value, "detach")) or "")
    for fn in _functions(root):
        start = _body_after_docstring(fn)
        if start >= len(fn.body) or fn.name == "__init__":
            continue

        def no_grad(fn=fn, start=start) -> str:
            with_ = ast.With(items=[ast.withitem(_call("torch.no_grad"))], body=fn.body[start:])
            fn.body[start:] = [ast.copy_location(with_, fn.body[start])]
            return ""
        yield Site(f"the body of `{fn.name}` under `with torch.no_grad():`", no_grad)


INPLACE = {ast.Add: "add_", ast.Sub: "sub_", ast.Mult: "mul_", ast.Div: "div_"}


def inplace_input(root: ast.AST) -> Iterator[Site]:
    """An input updated in place: ``a * b`` → ``a.mul_(b)`` (``a`` may be a view of an argument), a ``.clone()`` dropped."""
    for slot in slots(root):
        node = slot.node
        if isinstance(node, ast.BinOp) and type(node.op) in INPLACE and isinstance(
                node.left, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
            name = INPLACE[type(node.op)]
            yield Site(f"`{code(node)}` → `{code(node.left)}.{name}(...)`",
                       lambda slot=slot, name=name: slot.replace(_method(slot.node.left, name, slot.node.right)) or "")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "clone" and not node.args:
            yield Site(f"`{code(node)}` → `{code(node.func.value)}` (the copy dropped)",
                       lambda slot=slot: slot.replace(slot.node.func.value) or "")


def constant(root: ast.AST) -> Iterator[Site]:
    """A number changed: ``n`` → ``n + 1`` and ``n - 1``; a float ``x`` → ``x + 1`` and ``-x``."""
    for slot in slots(root):
        node = slot.node
        if not _is_number(node) or _is_docstring(slot):
            continue
        value = node.value
        news = [value + 1, value - 1] if type(value) is int else [value + 1.0] + ([-value] if value else [])
        for new in news:
            replacement = ast.Constant(new) if new >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-new))
            yield Site(f"constant {value!r} → {new!r} in `{code(slot.parent)}`",
                       lambda slot=slot, replacement=replacement: slot.replace(replacement) or "")


def _statement_lists(root: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(root):
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value


def return_in_loop(root: ast.AST) -> Iterator[Site]:
    """The chapter's own bug: the ``return`` inside the loop, so only the first row (iteration) counts.

    A ``return`` after a ``for`` moves to the end of the loop's body; a comprehension's outer loop
    keeps its first item only (what a ``return`` inside a loop building the same list does).
    """
    for body in _statement_lists(root):
        for i, stmt in enumerate(body):
            if not isinstance(stmt, (ast.For, ast.While)):
                continue
            later = next((j for j in range(i + 1, len(body)) if isinstance(body[j], ast.Return)), None)
            if later is None:
                continue

            def move(body=body, loop=stmt, j=later) -> str:
                ret = body.pop(j)
                loop.body.append(ret)
                return ""
            yield Site(f"`{code(body[later])}` moved into the loop `{code(stmt.target) if isinstance(stmt, ast.For) else 'while'}`", move)
    for node in ast.walk(root):
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            gen = node.generators[0]

            def first_only(gen=gen) -> str:
                gen.iter = ast.Subscript(ast.Call(_expr("list"), [gen.iter], []), ast.Slice(None, ast.Constant(1)),
                                         ast.Load())
                return ""
            yield Site(f"the loop over `{code(gen.iter)}` ends after its first item", first_only)


# What the chapter's notebook defines at the top level under these names (d2l 6.2): a solution that
# reads the global instead of its argument passes on exactly these values.
CHAPTER_GLOBALS = {
    "X": "torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])",
    "K": "torch.tensor([[0.0, 1.0], [2.0, 3.0]])",
    "Y": "torch.tensor([[19.0, 25.0], [37.0, 43.0]])",
    "x": "torch.ones((6, 8))",
    "init": "torch.rand((1, 2))",
    "input_shape": "(3, 3)",
    "kernel_size": "(1, 2)",
    "d": "2",
    "n": "3",
}


def global_arg(root: ast.AST, globals_: dict[str, str] | None = None) -> Iterator[Site]:
    """An argument replaced by a global of the same name: the body reads the notebook's ``K``, not its own."""
    table = CHAPTER_GLOBALS if globals_ is None else globals_
    for fn in _functions(root):
        for arg in fn.args.args:
            if arg.arg not in table or arg.arg == "self":
                continue

            def rename(fn=fn, arg=arg) -> str:
                name = arg.arg
                arg.arg = f"{name}_unused"
                return f"{name} = {table[name]}"
            yield Site(f"`{fn.name}` reads the global `{arg.arg}` instead of its argument", rename)


OPERATORS: dict[str, Callable[[ast.AST], Iterator[Site]]] = {
    "arith_swap": arith_swap,
    "sign_flip": sign_flip,
    "off_by_one": off_by_one,
    "swap_axes": swap_axes,
    "transpose": transpose,
    "flip": flip,
    "drop_term": drop_term,
    "detach": detach,
    "inplace_input": inplace_input,
    "constant": constant,
    "return_in_loop": return_in_loop,
    "global_arg": global_arg,
}
