"""safe-check: an offline checklist for police officers at incidents involving children."""

__version__ = "0.1.0"
