"""The ``Secret`` value type: plaintext that refuses to show itself.

Owns: the wrapper every encrypted model field returns. ``str()``, ``repr()``, templates, admin
read-only views, CSV exports and log lines all see a mask; code that must send the secret to a
vendor calls ``reveal()`` explicitly. Must not import models.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.utils.translation import gettext

MASK = "••••"


class Secret:
    """A secret string whose text form is a mask (``••••1234``)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("Secret wraps str values only")
        self._value = value

    @classmethod
    def wrap(cls, value: Any) -> Secret | None:
        """Return ``value`` as a Secret (None stays None)."""
        if value is None or isinstance(value, Secret):
            return value
        return cls(value)

    def reveal(self) -> str:
        """Return the plaintext; call only to hand it to the vendor that needs it."""
        return self._value

    @property
    def last4(self) -> str | None:
        """The last four characters, only when the secret is long enough to keep them harmless."""
        if len(self._value) < 12:
            return None
        return self._value[-4:]

    def display(self) -> str:
        """Human status: 'configurado ••••1234' / 'no configurado'."""
        if not self._value:
            return gettext("not configured")
        label = gettext("configured")
        return f"{label} {MASK}{self.last4 or ''}"

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:
        return f"<Secret {self}>"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            other = other.reveal()
        if not isinstance(other, str):
            return NotImplemented
        return hmac.compare_digest(self._value.encode("utf-8"), other.encode("utf-8"))

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> Any:
        raise TypeError("Secret values cannot be pickled (they would leave the process in clear)")


def secret_display(value: Secret | str | None) -> str:
    """Status text for a possibly missing secret."""
    if not value:
        return gettext("not configured")
    secret = value if isinstance(value, Secret) else Secret(value)
    return secret.display()
