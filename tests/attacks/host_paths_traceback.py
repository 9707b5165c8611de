"""Attack (appended to an honest solution): make Python print paths for us.  Tracebacks name the file of every
frame, so raise from deep inside torch and inside the grader's own harness and probes, format the whole
traceback (not only the student's frames, as the grader does), add what warnings and inspect say of where
code lives; then send it back as corr2d's exception message, and also let an exception from inside torch
escape a call, traceback and all.

Expected: 100 - corr2d (20) = 80, and no path of the grading machine's checkout or venv in the result.
"""
import inspect as _inspect
import json as _json
import sys as _sys
import traceback as _traceback
import warnings as _warnings


def _formatted(fn):
    try:
        fn()
    except BaseException:  # noqa: BLE001
        return _traceback.format_exc()
    return "no exception"


def _loot():
    import torch
    from grader.sandbox import harness, wire

    found = {
        "torch": _formatted(lambda: torch.ones(2).reshape(3)),
        "torch_python": _formatted(lambda: torch.nn.functional.conv2d(torch.ones(1), torch.ones(1))),
        "harness": _formatted(lambda: harness._call({"x": len}, {"target": "x", "args": {"junk": 1}})),
        "wire": _formatted(lambda: wire.decode({"tensor": "junk"})),
        "probes": _formatted(lambda: [fn({}, kernel_size=(2, 2)) for fn in harness.PROBES.values()]),
        "stack": "".join(_traceback.format_stack()),
        "sources": [str(_inspect.getsourcefile(m)) for m in (torch, harness, wire, _inspect)],
    }
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        torch.tensor(torch.ones(2))  # torch warns, naming its own file
    found["warnings"] = [f"{w.filename}:{w.lineno}: {w.message}" for w in caught]
    return found


_LOOT = _loot()
# How much each channel gave (short, so that it is kept whole), then everything it gave.
print("HOST-PATHS-SEEN " + _json.dumps({key: len(str(value)) for key, value in _LOOT.items()}))
print("HOST-PATHS " + _json.dumps(_LOOT))
for _text in _LOOT.values():
    print(_text if isinstance(_text, str) else "\n".join(_text), file=_sys.stderr)


def corr2d(X, K):
    if X.shape[0] % 2:
        return X.reshape(-1, 7, 13)  # torch's own exception, out of a call, with its traceback
    raise RuntimeError((_LOOT["torch"] + _LOOT["harness"] + _LOOT["probes"])[-1900:])
