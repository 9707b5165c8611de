"""The audit's parts without the sandbox: each operator yields the mutation it claims, mutants are
whole files with one mutation, sampling is deterministic and spread, the reports render and round-trip."""

from __future__ import annotations

import ast
import copy
import itertools
import json
import textwrap

import pytest

from grader.audit import equivalence, html_page, mutants, operators, report, table
from tests.conftest import ROOT

REFERENCE = (ROOT / "reference" / "conv_layer.py").read_text(encoding="utf-8")
EXERCISES = ["corr2d", "Conv2D", "learn_kernel", "conv2d_strict", "corr2d_matmul", "kernel_matrix",
             "second_derivative_kernel", "laplacian_kernel", "derivative_kernel", "integral_kernel"]


def variants(operator: str, snippet: str) -> list[str]:
    """Every mutation of ``operator`` on the one definition in ``snippet``, each unparsed."""
    definition = ast.parse(textwrap.dedent(snippet)).body[0]
    op = operators.OPERATORS[operator]
    found = []
    for k in range(sum(1 for _ in op(copy.deepcopy(definition)))):
        fresh = copy.deepcopy(definition)
        extra = next(itertools.islice(op(fresh), k, None)).apply()
        found.append(ast.unparse(ast.fix_missing_locations(fresh)) + ("\n" + extra if extra else ""))
    return found


def body(variant: str) -> str:
    """The lines after the ``def`` line, as one string without indentation, for short assertions."""
    return " | ".join(line.strip() for line in variant.splitlines()[1:])


@pytest.mark.parametrize("operator, snippet, expected", [
    ("arith_swap", "def f(a, b):\n    return a + b", "return a - b"),
    ("arith_swap", "def f(a, b):\n    return a * b", "return a / b"),
    ("arith_swap", "def f(p, k):\n    return p @ k", "return p * k"),
    ("sign_flip", "def f():\n    return -x", "return x"),
    ("sign_flip", "def f(a):\n    return a", "return -a"),
    ("off_by_one", "def f(n, k):\n    return n - k + 1", "return n - k"),
    ("off_by_one", "def f(n, k):\n    return n - k + 1", "return n - k + 2"),
    ("off_by_one", "def f(n):\n    return range(n)", "return range(n - 1)"),
    ("off_by_one", "def f(n):\n    return range(n)", "return range(n + 1)"),
    ("off_by_one", "def f(X, i):\n    return X[i:i + 2]", "return X[i:i + 2 - 1]"),
    ("swap_axes", "def f(K):\n    h, w = K.shape", "w, h = K.shape"),
    ("swap_axes", "def f(X, i, j):\n    return X[i, j]", "return X[j, i]"),
    ("swap_axes", "def f(X):\n    return X.shape[0]", "return X.shape[1]"),
    ("swap_axes", "def f(X):\n    return X.unfold(0, 2, 1)", "return X.unfold(1, 2, 1)"),
    ("swap_axes", "def f(X):\n    return X.sum(dim=1)", "return X.sum(dim=0)"),
    ("swap_axes", "def f(A, B):\n    return [a + b for a in A for b in B]", "return [a + b for b in B for a in A]"),
    ("transpose", "def f(X, K):\n    return g(X, K)", "return g(X, K.T)"),
    ("transpose", "def f(X):\n    return X.T", "return X"),
    ("transpose", "def f(X):\n    return X.t() + 1", "return X + 1"),
    ("transpose", "def f(X):\n    return h(X)", "return h(X).T"),
    ("flip", "def f(X, K):\n    return g(X, K)", "return g(X, torch.flip(K, dims=(0, 1)))"),
    ("flip", "def f(X, K):\n    return g(X, torch.flip(K, dims=(0, 1)))", "return g(X, K)"),
    ("flip", "def f(X, K):\n    return g(X, K.flip(0))", "return g(X, K)"),
    ("drop_term", "def forward(self, x):\n    return corr2d(x, self.weight) + self.bias",
     "return corr2d(x, self.weight)"),
    ("detach", "def forward(self, x):\n    return corr2d(x, self.weight)", "return corr2d(x, self.weight.detach())"),
    ("detach", "def f(x):\n    return g(x)", "return g(x).detach()"),
    ("detach", 'def f(x):\n    """Doc."""\n    y = g(x)\n    return y',
     '"""Doc.""" | with torch.no_grad(): | y = g(x) | return y'),
    ("inplace_input", "def f(W, K):\n    return (W * K).sum()", "return W.mul_(K).sum()"),
    ("inplace_input", "def f(init):\n    W = init.detach().clone()", "W = init.detach()"),
    ("constant", "def f():\n    return 2", "return 3"),
    ("constant", "def f():\n    return 2", "return 1"),
    ("constant", "def f():\n    return 0.5", "return 1.5"),
    ("constant", "def f():\n    return 0.5", "return -0.5"),
    ("return_in_loop", "def f(n):\n    rows = []\n    for i in range(n):\n        rows.append(i)\n    return rows",
     "rows = [] | for i in range(n): | rows.append(i) | return rows"),
    ("return_in_loop", "def f(n):\n    return [i for i in range(n)]", "return [i for i in list(range(n))[:1]]"),
])
def test_each_operator_yields_the_mutation_it_claims(operator, snippet, expected):
    found = [body(v) for v in variants(operator, snippet)]
    assert expected in found, found


def test_global_arg_renames_the_argument_and_defines_the_global():
    found = variants("global_arg", "def corr2d(X, K):\n    return X + K")
    assert any("def corr2d(X, K_unused):" in v and "\nK = torch.tensor(" in v for v in found), found
    assert any("def corr2d(X_unused, K):" in v and "\nX = torch.tensor(" in v for v in found), found


def test_operators_leave_docstrings_alone():
    for operator in operators.OPERATORS:
        for variant in variants(operator, 'def f():\n    """Shape (n - k + 1, 2)."""\n    pass'):
            assert "Shape (n - k + 1, 2)." in variant


def test_a_mutant_is_the_whole_reference_with_one_definition_changed():
    found = mutants.generate(REFERENCE, exercises=EXERCISES)
    assert len(found) > 150
    assert len({m.id for m in found}) == len(found) == len({m.source for m in found})
    assert all(m.source != REFERENCE for m in found)
    by_id = {m.id: m for m in found}
    bias = next(m for m in found if m.id.startswith("Conv2D.drop_term") and "self.bias" in m.description)
    assert "-        return corr2d(x, self.weight) + self.bias" in bias.diff
    assert "+        return corr2d(x, self.weight)" in bias.diff
    untouched = REFERENCE[:REFERENCE.index("# %%\nclass Conv2D")]
    assert bias.source.startswith(untouched)  # the text before the definition, comments included, byte for byte
    assert bias.source.endswith(REFERENCE[REFERENCE.index("# %%\ndef learn_kernel"):])
    assert {m.operator for m in found} == set(operators.OPERATORS)
    assert any(m.operator == "return_in_loop" and m.definition == "learn_kernel" for m in found)
    for mutant in found:
        compile(mutant.source, mutant.id, "exec")
    assert by_id["corr2d.arith_swap.0"].exercise == "corr2d"


def test_the_exercises_a_mutant_targets_are_its_definition_and_its_callers():
    found = {m.definition: m.targets for m in mutants.generate(REFERENCE, exercises=EXERCISES)}
    assert found["corr2d"] == ("corr2d", "Conv2D", "learn_kernel", "conv2d_strict")
    assert found["corr2d_matmul"] == ("corr2d_matmul",)
    source = "def helper(x):\n    return x + 1\n\ndef a(x):\n    return helper(x)\n\ndef b(x):\n    return a(x) * 2\n"
    helper = [m for m in mutants.generate(source, exercises=["a", "b"]) if m.definition == "helper"]
    assert helper and all(m.targets == ("a", "b") and m.exercise == "a" for m in helper)


def test_mutants_identical_to_the_reference_or_not_compiling_are_dropped():
    source = "def f(x):\n    return x\n"
    assert [m for m in mutants.generate(source, exercises=["f"]) if m.operator == "arith_swap"] == []
    found = mutants.generate("def f(t):\n    return (t, t)\n", exercises=["f"], operators=["swap_axes"])
    assert found == []  # swapping two equal items changes nothing


def test_sampling_is_deterministic_and_covers_every_exercise_and_many_operators():
    found = mutants.generate(REFERENCE, exercises=EXERCISES)
    first, second = mutants.sample(found, 40), mutants.sample(list(found), 40)
    assert [m.id for m in first] == [m.id for m in second] and len(first) == 40
    assert {m.exercise for m in first} == set(EXERCISES)
    assert len({m.operator for m in first}) >= 10
    assert mutants.sample(found, None) == found


def test_equivalence_compares_values_shapes_and_dtypes():
    import torch

    one = torch.ones(2, 3)
    assert equivalence.differ({"out": one}, {"out": one.clone()}) is None
    assert "shape" in equivalence.differ({"out": one}, {"out": one.T})
    assert "dtype" in equivalence.differ({"out": one}, {"out": one.double()})
    assert "values differ" in equivalence.differ([one], [one * 1.01])
    assert equivalence.differ(("raised", "ValueError"), ("raised", "ValueError")) is None
    assert equivalence.differ(("ok", 1.0), ("raised", "ValueError")) is not None
    assert equivalence.differ({"grads": (one, None)}, {"grads": None}) == "grads: tuple vs NoneType"
    assert equivalence.differ([1, 2.0], [1.0, 2]) is None


def test_equivalence_is_the_checks_tolerance_so_a_mutant_the_checks_must_accept_is_equivalent():
    import torch

    from grader.tolerance import tolerance

    # A small entry beside a large one: the checks allow it the error of the computation's scale.
    reference = torch.tensor([[1000.0, 1.0]])
    allowed = float(tolerance(1.0, 1000.0))
    assert equivalence.differ(reference, reference + torch.tensor([[0.0, 0.9 * allowed]])) is None
    assert "values differ" in equivalence.differ(reference, reference + torch.tensor([[0.0, 1.1 * allowed]]))
    assert equivalence.differ(2.0, 2.0 + 0.9 * tolerance(2.0, 2.0)) is None
    assert equivalence.differ(2.0, 2.0 + 1.1 * tolerance(2.0, 2.0)) is not None
    inf, nan = float("inf"), float("nan")
    assert equivalence.differ(torch.tensor([inf, nan]), torch.tensor([inf, nan])) is None
    assert equivalence.differ(torch.tensor([inf, 1.0]), torch.tensor([5.0, 1.0])) is not None  # never "close" to ∞
    assert equivalence.differ(inf, 5.0) is not None


def outcome(id_, exercise, *, public, hidden, equivalent=None, diff="-a\n+b\n"):
    return report.MutantOutcome(id_, exercise, (exercise,), "flip", f"desc {id_}", diff, public, hidden,
                                ("x: y",) if hidden else (), 1.5, equivalent, "why" if equivalent is not None else "")


def sample_report() -> report.AuditReport:
    found = [outcome("a.1", "a", public=True, hidden=True), outcome("a.2", "a", public=False, hidden=True),
             outcome("b.1", "b", public=False, hidden=False, equivalent=True),
             outcome("b.2", "b", public=False, hidden=False, equivalent=False,
                     diff="-    return x\n+    return '<script>alert(1)</script>'\n")]
    return report.summarise("demo", ["a", "b"], found, available=10, workers=2, duration_s=12.5)


def test_the_report_counts_per_exercise_and_round_trips_through_json():
    audit = sample_report()
    a, b = audit.exercises
    assert (a.generated, a.killed_public, a.killed_hidden, a.likely_equivalent, len(a.survivors)) == (2, 1, 2, 0, 0)
    assert (b.generated, b.killed_hidden, b.likely_equivalent, [m.id for m in b.survivors]) == (2, 0, 1, ["b.2"])
    assert audit.public_rate == 0.5 and a.public_rate == 0.5 and b.public_rate == 1.0
    plain = json.loads(json.dumps(report.to_plain(audit)))
    assert plain["totals"] == {"generated": 4, "killed_public": 1, "killed_hidden": 2, "likely_equivalent": 1,
                               "survivors": 1, "public_rate": 0.5}
    assert report.from_plain(plain) == audit


def test_the_terminal_table_and_the_html_page_show_the_survivors_escaped():
    audit = sample_report()
    text = table.render(audit)
    assert "b.2" in text and "1 mutant(s) get full marks" in text and "public checks kill 50%" in text
    page = html_page.render(audit)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'id="survivors-b"' in page and "desc b.1" in page
