"""Attack (issue 8, smaller): escape sequences and control characters for whoever reads the result with cat,
grep or a terminal: retitle the window, clear the screen, a C1 control sequence introducer, a carriage return
that hides text, a right-to-left override.  Appended to an honest solution: corr2d raises an exception whose
message and traceback carry them, integral_kernel returns an object whose repr carries them, and the
submission prints them.

Expected: corr2d and integral_kernel lose their points (20 + 5): 75; no raw control character in result.json,
report.html or the terminal summary.
"""
_EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x9b31m\rHIDDEN\u202eevil\x00\x7f"


def corr2d(X, K):
    raise ValueError("oops" + _EVIL)


class _Evil:
    def __repr__(self):
        return "evil" + _EVIL


def integral_kernel(n):
    return _Evil()


print("hello" + _EVIL)
