"""Student templates generated from the reference solution (``grader template ASSIGNMENT``).

The reference marks each solution body with comment lines, as nbgrader and Otter do::

    def __init__(self, kernel_size):
        super().__init__()          # stays: students get it as given
        # BEGIN SOLUTION
        self.weight = ...
        # END SOLUTION

and the template replaces each marked region with ``raise NotImplementedError`` at the markers'
indentation.  Besides the regions, nothing written for the reference's readers reaches students:
every docstring and comment goes (they explain the solution); each exercise gets its statement, in
Chinese and English, from the assignment's messages (``exercise.<name>.statement``), and the module
its introduction (the assignment's title, points and ``template.rule.*`` rules).  The ``# %%``
blocks become the notebook's cells, with ids derived from the exercise they define, so writing the
templates again gives the same bytes.

The reference is parsed with ``tokenize`` and ``ast``, never run: a marker is a comment token (a
``# BEGIN SOLUTION`` inside a string is not one), and a region must be whole statements at the
top of a function's body; anything else is a ``TemplateError`` naming the line.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader import messages
from grader.assignment import Assignment, AssignmentError
from grader.files import write_atomically

MARKER = re.compile(r"#+\s*(BEGIN|END) SOLUTION\s*$")
CELL = re.compile(r"# %%")  # a full-line comment at column 0 that starts a notebook cell (jupytext's "percent" format)
STUB = "raise NotImplementedError"
NOTEBOOK_METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}}


class TemplateError(AssignmentError):
    """The reference cannot be turned into a template: the message names the file, the line and why."""


@dataclass(frozen=True)
class Region:
    """A marked solution region: the lines of its two markers (1-based) and their indentation."""

    begin: int
    end: int
    indent: str


@dataclass(frozen=True)
class Template:
    """What students receive for one assignment: ``<stem>.py`` and ``<stem>.ipynb``, as text."""

    stem: str
    module: str
    notebook: str

    def files(self) -> dict[str, str]:
        return {f"{self.stem}.py": self.module, f"{self.stem}.ipynb": self.notebook}


# ---------------------------------------------------------------- the assignment's template


def render(assignment: Assignment) -> Template:
    """The template of ``assignment``, from its reference and its messages (in both languages)."""
    path = reference_path(assignment)
    source = path.read_text(encoding="utf-8")
    tree = _parse(source, path)
    names = [e.name for e in assignment.exercises]
    en, zh = messages.catalogue("en", assignment), messages.catalogue("zh", assignment)
    statements = {}
    for name in names:
        key = f"exercise.{name}.statement"
        if not (en.has(key) and zh.has(key)):
            raise TemplateError(f"{assignment.folder / 'messages.py'}: no statement for the exercise {name!r} "
                                f"(add {key!r} in English and Chinese to MESSAGES)")
        statements[name] = statement(en.text(key), zh.text(key))
    module = module_text(source, filename=str(path), statements=statements,
                         intro=introduction(assignment, _signatures(source, tree, names, path), en, zh))
    return Template(assignment.expected_stem, module, notebook_text(module))


def reference_path(assignment: Assignment) -> Path:
    if assignment.course_root is None:
        raise AssignmentError(f"the reference of {assignment.name!r} is not here: make templates in the "
                              "instructor's checkout (the folder with assignments/ and reference/), or pass --course DIR")
    path = assignment.course_root / "reference" / f"{assignment.expected_stem}.py"
    if not path.is_file():
        raise AssignmentError(f"the reference solution {path} is missing")
    return path


def default_folder(assignment: Assignment) -> Path:
    """Where the course keeps what students receive: ``student_template/`` beside ``reference/``."""
    return reference_path(assignment).parent.parent / "student_template"


def write(template: Template, folder: Path) -> list[Path]:
    """Write both files into ``folder``; each is replaced whole, never left half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in template.files().items():
        path = folder / name
        write_atomically(path, text)  # UTF-8 bytes: the same line endings on every platform
        written.append(path)
    return written


def stale(template: Template, folder: Path) -> list[Path]:
    """The files in ``folder`` that are missing or differ from ``template`` (for ``--check``)."""
    return [folder / name for name, text in template.files().items()
            if not (folder / name).is_file() or (folder / name).read_bytes() != text.encode("utf-8")]


def statement(en: str, zh: str) -> str:
    """An exercise's docstring text: the Chinese statement, then the English one.

    Lines break where the catalogue's text says (``\n``), never inside what may be code (``W -= lr * grad``).
    """
    return f"{zh}\n{en}"


def introduction(assignment: Assignment, signatures: Mapping[str, str], en: messages.Catalogue,
                 zh: messages.Catalogue) -> str:
    """The module docstring and the notebook's first cell (Markdown): what to do, the points, the rules."""
    both = {lang: cat for lang, cat in (("en", en), ("zh", zh))}

    def text(key: str, **args) -> dict[str, str]:
        return {lang: cat.text(key, **args) for lang, cat in both.items()}

    heading = {lang: both[lang].text("template.heading", title=both[lang].text("assignment.title")) for lang in both}
    intro = text("template.intro", max_score=f"{assignment.max_score:g}")
    name, points, rules = text("template.name"), text("template.points"), text("template.rules")
    lines = [f"# {heading['zh']} / {heading['en']}", "", intro["zh"], intro["en"], "",
             f"| {name['zh']} / {name['en']} | {points['zh']} / {points['en']} |", "|---|---|"]
    lines += [f"| `{signatures[e.name]}` | {e.points:g} |" for e in assignment.exercises]
    rule_keys = [key for key in en.messages if key.startswith("template.rule.")]
    if rule_keys:
        lines += ["", f"{rules['zh']} / {rules['en']}:"]
        for key in rule_keys:
            lines += [f"- {zh.text(key)}", f"  {en.text(key)}"]
    return "\n".join(lines) + "\n"


def _signatures(source: str, tree: ast.Module, names: list[str], path: Path) -> dict[str, str]:
    """``name(parameters)`` as students call each exercise; a class is called with its ``__init__``'s."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            found[node.name] = f"{node.name}({_parameters(source, node.args, skip=0)})"
        elif isinstance(node, ast.ClassDef) and node.name in names:
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            found[node.name] = f"{node.name}({_parameters(source, init.args, skip=1) if init else ''})"
    missing = [n for n in names if n not in found]
    if missing:
        raise TemplateError(f"{path}: the exercises {missing} are not defined at the top level of the reference")
    return found


def _parameters(source: str, args: ast.arguments, *, skip: int) -> str:
    def written(arg: ast.arg, default: ast.expr | None) -> str:
        # A default as the reference writes it (3e-2, not ast.unparse's 0.03).
        return arg.arg if default is None else f"{arg.arg}={ast.get_source_segment(source, default)}"

    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = [written(a, d) for a, d in zip(positional, defaults)]
    parts = parts[skip:]
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        parts.append("*")
    parts += [written(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    return ", ".join(parts)


# ---------------------------------------------------------------- stripping the solutions


def solution_regions(source: str, *, filename: str = "<reference>") -> list[Region]:
    """The marked regions of ``source``, checked: balanced, not nested, each alone on its line."""
    regions, open_at = [], None
    for token in _tokens(source, filename):
        if token.type != tokenize.COMMENT or not re.search(r"(BEGIN|END) SOLUTION", token.string):
            continue
        line_no, col = token.start
        match = MARKER.fullmatch(token.string)
        if match is None or token.line[:col].strip():
            raise TemplateError(f"{filename}, line {line_no}: a solution marker must be a comment line of its own, "
                                f"'# BEGIN SOLUTION' or '# END SOLUTION' (found {token.line.strip()!r})")
        if match.group(1) == "BEGIN":
            if open_at is not None:
                raise TemplateError(f"{filename}, line {line_no}: BEGIN SOLUTION inside the region begun at line "
                                    f"{open_at.start[0]}; regions do not nest")
            open_at = token
        else:
            if open_at is None:
                raise TemplateError(f"{filename}, line {line_no}: END SOLUTION without a BEGIN SOLUTION before it")
            if token.start[1] != open_at.start[1]:
                raise TemplateError(f"{filename}, line {line_no}: END SOLUTION is indented differently from its "
                                    f"BEGIN SOLUTION at line {open_at.start[0]}")
            regions.append(Region(open_at.start[0], line_no, open_at.line[:open_at.start[1]]))
            open_at = None
    if open_at is not None:
        raise TemplateError(f"{filename}, line {open_at.start[0]}: BEGIN SOLUTION without an END SOLUTION")
    return regions


def module_text(source: str, *, filename: str, statements: Mapping[str, str], intro: str) -> str:
    """The template of one reference module: regions stubbed, docstrings and comments replaced or gone.

    ``statements`` maps each exercise (a top-level function or class) to its docstring text; ``intro``
    becomes the module docstring.
    """
    tree = _parse(source, Path(filename))
    tokens = _tokens(source, filename)
    regions = solution_regions(source, filename=filename)
    lines = source.splitlines(keepends=True)
    # line number (1-based) -> the lines that take its place; lines not in it stay as they are
    edits: dict[int, list[str]] = {}
    inserts: dict[int, list[str]] = {}  # line number -> lines inserted before it

    extents = _extents(tree, len(lines))
    for region in regions:
        _check_region(region, extents, filename)
        edits[region.begin] = [f"{region.indent}{STUB}\n"]
        edits.update({n: [] for n in range(region.begin + 1, region.end + 1)})

    in_region = {n for r in regions for n in range(r.begin, r.end + 1)}
    for token in tokens:  # comments explain the reference; the template keeps only its cell markers
        line_no, col = token.start
        if token.type != tokenize.COMMENT or line_no in in_region:
            continue
        if not lines[line_no - 1][:col].strip():
            if not _is_cell_marker(token):
                edits[line_no] = []
        else:
            edits[line_no] = [lines[line_no - 1][:col].rstrip() + "\n"]

    def docstring_of(node: ast.AST) -> ast.Expr | None:
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            return first
        return None

    def replace_docstring(node: ast.AST, text: str | None, indent: str) -> None:
        doc = docstring_of(node)
        new = [] if text is None else _docstring(text, indent)
        if doc is not None:
            if len(node.body) > 1 and node.body[1].lineno == doc.end_lineno or \
                    not isinstance(node, ast.Module) and doc.lineno == node.body[0].lineno == _header_end(node, tokens):
                raise TemplateError(f"{filename}, line {doc.lineno}: put this docstring on lines of its own")
            if len(node.body) == 1 and text is None:
                new = [f"{indent}pass\n"]  # the body was only the docstring
            edits[doc.lineno] = new
            edits.update({n: [] for n in range(doc.lineno + 1, doc.end_lineno + 1)})
        elif new:
            at = (_header_end(node, tokens) + 1) if not isinstance(node, ast.Module) else _first_line(node.body[0])
            inserts.setdefault(at, []).extend(new)

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top = node in tree.body and node.name in statements
            indent = " " * node.body[0].col_offset
            replace_docstring(node, statements[node.name] if top else None, indent)
    if tree.body:
        replace_docstring(tree, intro, "")

    out = []
    for number, line in enumerate(lines, start=1):
        out += inserts.get(number, [])
        out += edits.get(number, [line])
    text = "".join(out)
    try:
        compile(text, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:  # a shape of reference this module does not handle: say so rather than ship it
        raise TemplateError(f"{filename}: the template made from it does not compile ({exc.msg}, line {exc.lineno})")
    return text


def _docstring(text: str, indent: str) -> list[str]:
    if '"""' in text:
        raise TemplateError(f'a statement may not contain """: {text[:60]!r}')
    body = text.replace("\\", "\\\\").rstrip("\n").split("\n")
    lines = [f'{indent}"""{body[0]}\n'] + [f"{indent}{line}\n" if line else "\n" for line in body[1:]]
    return lines + [f'{indent}"""\n']


def _check_region(region: Region, extents: list[tuple[ast.AST, int, int]], filename: str) -> None:
    """A region must be whole statements at the top of a function's body, at that body's indentation."""
    owner = None
    for node, first, last in extents:  # outermost first, so the last match is the innermost
        if first < region.begin and region.end <= last:
            owner = node
    if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        where = f"in the body of class {owner.name}" if isinstance(owner, ast.ClassDef) else "at module level"
        raise TemplateError(f"{filename}, line {region.begin}: a solution region must be inside a function or "
                            f"method; this one is {where}, where raising would stop the whole file from loading")
    body_indent = owner.body[0].col_offset
    if len(region.indent) != body_indent:
        raise TemplateError(f"{filename}, line {region.begin}: the markers must be indented like the body of "
                            f"{owner.name} ({body_indent} columns), not {len(region.indent)}")
    for statement_ in owner.body:
        first, last = _first_line(statement_), statement_.end_lineno
        if first <= region.end and last >= region.begin and not (region.begin < first and last < region.end):
            raise TemplateError(f"{filename}, line {region.begin}: the region from line {region.begin} to "
                                f"{region.end} cuts the statement at lines {first}-{last}")


def _extents(tree: ast.Module, n_lines: int) -> list[tuple[ast.AST, int, int]]:
    """Every function and class with the lines it spans, up to the line before what follows it.

    A comment after a function's last statement (an END SOLUTION there) belongs to no node, so a
    block is taken to run up to the next statement at its own or an outer level.
    """
    found: list[tuple[ast.AST, int, int]] = [(tree, 0, n_lines)]

    def visit(body: list[ast.stmt], limit: int) -> None:
        for i, node in enumerate(body):
            last = _first_line(body[i + 1]) - 1 if i + 1 < len(body) else limit
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append((node, node.lineno, last))
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                    visit(inner, last)

    visit(tree.body, n_lines)
    return found


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decorators])


def _header_end(node: ast.AST, tokens: list[tokenize.TokenInfo]) -> int:
    """The line of the colon that ends a def's or class's header (its parameters may span lines)."""
    body = (node.body[0].lineno, node.body[0].col_offset)
    colons = [t.start[0] for t in tokens if t.type == tokenize.OP and t.string == ":"
              and (node.lineno, 0) <= t.start < body]
    return colons[-1]


def _is_cell_marker(token: tokenize.TokenInfo) -> bool:
    return token.type == tokenize.COMMENT and token.start[1] == 0 and CELL.match(token.string) is not None


def _tokens(source: str, filename: str) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise TemplateError(f"{filename}: cannot be read as Python ({exc})") from None


def _parse(source: str, path: Path) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise TemplateError(f"{path}, line {exc.lineno}: the reference does not parse ({exc.msg})") from None


# ---------------------------------------------------------------- the notebook


def notebook_text(module: str) -> str:
    """The notebook of a template module: its docstring as a Markdown cell, then one code cell per ``# %%`` block.

    Cell ids (nbformat 4.5) are the exercise each cell defines, not random: the same module always
    gives the same bytes.
    """
    tree = ast.parse(module)
    cells = []
    intro = ast.get_docstring(tree, clean=False)
    if intro is not None:
        cells.append(nbformat.v4.new_markdown_cell(intro.strip("\n"), id="intro"))
        doc = tree.body[0]
        lines = module.splitlines(keepends=True)
        module = "".join(lines[:doc.lineno - 1] + lines[doc.end_lineno:])
    used = {"intro"}
    lines = module.splitlines(keepends=True)
    starts = [t.start[0] for t in _tokens(module, "<template>") if _is_cell_marker(t)]
    bounds = [0, *starts, len(lines) + 1]
    for first, after in zip(bounds, bounds[1:]):
        source = "".join(lines[first:after - 1]).strip("\n")  # the block after a marker line, without it
        if not source:
            continue
        names = [n.name for n in ast.parse(source).body
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        cell_id = names[0] if names else f"cell-{len(cells)}"
        while cell_id in used:
            cell_id += "-"
        used.add(cell_id)
        cells.append(nbformat.v4.new_code_cell(source, id=cell_id))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=NOTEBOOK_METADATA)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"
