"""Student-side probes of conv-channels: none.  Every check is one call of a student's function, its
gradients and the operators it ran included (``Student.call``)."""
