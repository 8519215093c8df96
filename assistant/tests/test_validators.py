import pytest
from django.core.exceptions import ValidationError

from assistant import validators
from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory


def notification(**overrides):
    item = {"id": "n1", "type": "Cancelación", "phone": "+573001234567", "name": "Laura", "country": "CO"}
    item.update(overrides)
    return item


def test_a_complete_profile_is_valid():
    validators.validate_payment_methods([{"id": "1", "name": "Nequi 💸", "enabled": True}])
    validators.validate_faq([{"id": "1", "question": "¿Hacen envíos?", "answer": "Sí, a todo el país 🚚"}])
    validators.validate_rules([{"id": "1", "text": "Nunca prometer fechas exactas"}])
    validators.validate_notifications(
        [notification(), notification(id="n2", type="Garantía", phone="+51987654321", country="PE")]
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ([notification(), notification(id="n2", phone="+51987654321", country="PE")], "duplicate_type"),
        ([notification(type="Felicitaciones")], "invalid_type"),
        ([notification(phone="3001234567")], "invalid_phone"),
        ([notification(phone="+5730012")], "invalid_phone"),
        ([notification(phone="+14155550123", country=None)], "country_not_supported"),
        ([notification(country="MX")], "country_mismatch"),
        ([notification(name="")], "required"),
        ([notification(name="x" * 256)], "too_long"),
        ("not a list", "not_a_list"),
        (["just text"], "not_an_object"),
        ([notification(), notification(type="Garantía")], "duplicate_id"),
    ],
)
def test_invalid_notifications_say_why(value, code):
    with pytest.raises(ValidationError) as error:
        validators.validate_notifications(value)
    assert error.value.code == code


def test_phone_is_normalised_to_e164_with_its_dropi_country():
    assert validators.normalise_phone("+57 300 123 4567") == ("+573001234567", "CO")
    assert validators.normalise_phone("+595 981 123456") == ("+595981123456", "PY")


def test_list_limits_and_shapes():
    with pytest.raises(ValidationError):
        validators.validate_faq([{"question": "¿Sin respuesta?"}])
    with pytest.raises(ValidationError):
        validators.validate_rules([{"text": "x"}] * 101)
    with pytest.raises(ValidationError):
        validators.validate_payment_methods([{"name": "Efectivo", "enabled": "sí"}])


@pytest.mark.django_db
def test_model_validation_runs_the_list_validators_and_keeps_emoji():
    configuration = AIConfigurationFactory(company_description="Envíos rápidos 🚀 a Perú")
    configuration.full_clean()
    configuration.notifications = [notification(), notification(id="n2")]
    with pytest.raises(ValidationError) as error:
        configuration.full_clean()
    assert "notifications" in error.value.message_dict
    assert AIConfiguration.objects.get(pk=configuration.pk).company_description == "Envíos rápidos 🚀 a Perú"
