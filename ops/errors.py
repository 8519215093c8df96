"""Errors raised by the operator use cases.

Owns: the one base class commands catch to turn a failure into a clear one-line error. Must
not carry passwords or secret values in any message.
"""

from __future__ import annotations


class OperationError(Exception):
    """An operator command cannot do what was asked; the message says what to fix."""


class ClientProgramMissing(OperationError):
    """A MySQL client program (mysqldump, mysql) is not installed."""


class BackupFileInvalid(OperationError):
    """A backup file is truncated, corrupt or of the wrong kind; nothing was touched."""
