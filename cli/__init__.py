"""Command-line entry points (`stp ...`) over the platform's layers."""
