"""The public checks of conv-channels: what ``grader check`` runs on a student's machine.

Their oracles are torch's own convolution and pooling, in the grader's process, never the reference.
"""

from grader.checks import Suite
from grader.results import Visibility

from .properties import register, torch_oracles

suite = register(Suite(Visibility.PUBLIC), torch_oracles())
