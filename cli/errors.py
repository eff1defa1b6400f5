"""Errors that the command line reports as bad usage (exit 2)."""


class UsageError(ValueError):
    """Bad arguments or input; the message says what to change."""
