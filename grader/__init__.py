"""grader: an autograder for deep-learning exercises (Dive into Deep Learning, "Image Convolution").

The command line is ``grader.cli``; the engine (``grader.engine``) grades submissions into the
frozen result model of ``grader.results``, which the modules of ``grader.reports`` render.
"""
