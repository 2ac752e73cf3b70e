"""Typed errors: each says what is wrong, where, and what to change.

A failed *sample* is never an exception (it is a status on its row); these are
for misuse: bad files, bad flags, a run that must not be resumed. The command line
prints them as one line and exits 2; any other exception is a bug and keeps its traceback.
"""


class PasskError(Exception):
    """Base class of every error passk raises on purpose."""


class InputError(PasskError, ValueError):
    """An input file or row is malformed; the message names the file and line.

    A ValueError too (as ConfigError), so a library caller catching the Python convention for a bad
    argument catches it."""


class ConfigError(PasskError, ValueError):
    """A configuration value or key is invalid; the message names the key."""


class StorageError(PasskError):
    """A file could not be written (read-only directory, full disk, file-size limit); nothing earlier is lost."""


class RunLocked(PasskError):
    """Another process is writing the same run directory in a way that could collide with this one."""


class RunIntegrityError(PasskError):
    """The run directory holds unreadable parts, duplicate samples or orphan grades; `passk check` repairs it."""
