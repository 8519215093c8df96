"""Model and form fields for secrets encrypted at rest.

Owns: ``EncryptedTextField`` (Fernet ciphertext in the column, ``Secret`` in Python) and its
write-only form field. Must not query the database or expose plaintext to any rendering path.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from connector import crypto
from connector.secrets import Secret

SECRET_MAX_LENGTH = 4096

# The model attribute's set and get types, as django-stubs' own fields declare them.
_ST = TypeVar("_ST", contravariant=True)
_GT = TypeVar("_GT", covariant=True)


class SecretAction:
    """What the write-only secret form field asks for."""

    KEEP = "keep"
    SET = "set"
    CLEAR = "clear"

    def __init__(self, action: str, value: str = "") -> None:
        self.action = action
        self.value = value

    def __repr__(self) -> str:  # never shows the value
        return f"<SecretAction {self.action}>"


class _SecretDescriptor(DeferredAttribute):
    """Wrap every value assigned to the attribute in ``Secret``."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = Secret.wrap(value)


class EncryptedTextField(models.TextField[_ST, _GT]):
    """Text stored as Fernet ciphertext; reads back as ``Secret``.

    Only ``isnull`` look-ups are allowed: ciphertext is randomised, so equality needs a keyed
    hash column next to the field.
    """

    # The model attribute's types for django-stubs' plugin (it adds None where null=True); they
    # differ from TextField's on purpose, which mypy reports as an incompatible override.
    _pyi_private_set_type: str | Secret | None  # type: ignore[assignment]
    _pyi_private_get_type: Secret  # type: ignore[assignment]

    description = _("Text encrypted at rest")
    descriptor_class = _SecretDescriptor

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Secret):
            value = value.reveal()
        value = str(value)
        if value == "":
            return ""
        return crypto.encrypt(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Secret | None:
        if value is None:
            return None
        if value == "":
            return Secret("")
        return Secret(crypto.decrypt(value))

    def to_python(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        return Secret(str(value))

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisers get the mask, never the plaintext: use `manage.py backup` to move data.
        return str(self.value_from_object(obj) or "")

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(f"{self.model.__name__}.{self.name} is encrypted; only 'isnull' look-ups work on it.")
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        defaults: dict[str, Any] = {"form_class": SecretFormField, "required": not self.blank}
        defaults.update(kwargs)
        defaults.pop("max_length", None)
        # The admin maps TextField to a textarea; a secret always gets the write-only widget.
        if not isinstance(defaults.get("widget"), SecretWidget):
            defaults["widget"] = SecretWidget
        return super(models.TextField, self).formfield(**defaults)

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        if isinstance(data, SecretAction):
            if data.action == SecretAction.KEEP:
                return
            if data.action == SecretAction.CLEAR:
                setattr(instance, self.attname, None if self.null else "")
                return
            data = data.value
        setattr(instance, self.attname, data)


class SecretWidget(forms.Widget):
    """Shows 'configurado ••••1234' / 'no configurado', a password box and a clear box."""

    template_name = "connector/widgets/secret.html"
    clear_suffix = "__clear"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        stored = Secret.wrap(value) if isinstance(value, (str, Secret)) else None
        context["widget"].update(
            {
                "configured": bool(stored),
                "status": stored.display() if stored else _("not configured"),
                "clear_name": f"{name}{self.clear_suffix}",
                "clear_id": f"{(attrs or {}).get('id', 'id_' + name)}{self.clear_suffix}",
            }
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> SecretAction:
        new_value = (data.get(name) or "").strip()
        if new_value:
            return SecretAction(SecretAction.SET, new_value)
        if data.get(f"{name}{self.clear_suffix}") in ("on", "1", "true", "True"):
            return SecretAction(SecretAction.CLEAR)
        return SecretAction(SecretAction.KEEP)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}{self.clear_suffix}" not in data


class SecretFormField(forms.Field):
    """Write-only form field: the stored value is never sent back to the browser."""

    widget = SecretWidget
    default_error_messages = {
        "too_long": _("This secret is too long (at most %(limit)d characters)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Write a new value to replace it; leave empty to keep it."))
        self.stored_required = kwargs.pop("required", False)
        super().__init__(required=False, **kwargs)

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Re-rendering after an error shows the stored state, never what was typed.
        return initial

    def has_changed(self, initial: Any, data: Any) -> bool:
        return isinstance(data, SecretAction) and data.action != SecretAction.KEEP

    def clean(self, value: Any) -> SecretAction:
        action = value if isinstance(value, SecretAction) else None
        if action is None:
            action = SecretAction(SecretAction.SET, str(value)) if value else SecretAction(SecretAction.KEEP)
        if action.action == SecretAction.SET and len(action.value) > SECRET_MAX_LENGTH:
            raise forms.ValidationError(
                self.error_messages["too_long"], code="too_long", params={"limit": SECRET_MAX_LENGTH}
            )
        return action
