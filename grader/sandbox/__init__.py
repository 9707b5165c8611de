"""Running student code: the warm template process, forked sessions, their confinement and the wire format."""
