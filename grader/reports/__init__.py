"""Output formats.  Each module renders results; none of them grades anything."""
