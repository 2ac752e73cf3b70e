"""Typed errors: each says what is wrong, where, and what to change.

A failed *sample* is never an exception (it is a status on its row); these are
for misuse: bad files, bad flags, a run that must not be resumed.
"""


class PasskError(Exception):
    """Base class of every error passk raises on purpose."""


class InputError(PasskError):
    """An input file or row is malformed; the message names the file and line."""


class ConfigError(PasskError):
    """A configuration value or key is invalid; the message names the key."""
