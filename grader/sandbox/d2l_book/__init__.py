"""The book's functions that d2l's stand-in can give students, one module per function, named as d2l names it.

One module each, imported only into the student processes of an assignment that declares the function
(``[student] d2l``): a conv-layer process, whose students write corr2d, holds no corr2d to be found in
its memory.  Each is the book's own code (``#@save``), so that a submission that calls it gets what it
would get from d2l.
"""
