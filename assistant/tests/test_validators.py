import pytest
from django.core.exceptions import ValidationError

from assistant import validators
from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from assistant.tests.profiles import profile


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


# --------------------------------------------------------------------------- whole profile
def test_a_whole_profile_is_cleaned_into_its_stored_form():
    cleaned, errors = validators.clean_profile(profile())

    assert errors == []
    assert cleaned["agent_name"] == "Andrés 🤖"
    assert cleaned["company_description"] == "Tienda de tecnología en Bogotá 🇨🇴.\nEnvíos a todo el país."
    assert cleaned["notifications"][0]["phone"] == "+573001234567"
    assert cleaned["notifications"][0]["country"] == "CO"
    assert all(len(item["id"]) == 16 for item in cleaned["rules"])


def test_ids_are_kept_when_present_and_numbers_from_the_old_app_become_text():
    cleaned, errors = validators.clean_profile(
        profile(rules=[{"id": 1700000000123, "text": "Regla"}, {"id": "r-2", "text": "Otra"}])
    )

    assert errors == []
    assert [rule["id"] for rule in cleaned["rules"]] == ["1700000000123", "r-2"]


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ([{"id": "con espacio", "text": "x"}], "invalid_id"),
        ([{"id": True, "text": "x"}], "invalid_id"),
        ([{"id": "x" * 65, "text": "x"}], "id_too_long"),
    ],
)
def test_odd_ids_are_refused(rules, code):
    _cleaned, errors = validators.clean_profile(profile(rules=rules))

    assert [(error.path, error.code) for error in errors] == [("rules.0.id", code)]


def test_texts_are_trimmed_and_windows_line_ends_made_plain():
    cleaned, _errors = validators.clean_profile(profile(company_policies="  Línea 1\r\nLínea 2 ✅  "))

    assert cleaned["company_policies"] == "Línea 1\nLínea 2 ✅"


def test_errors_name_their_part_item_and_key():
    bad = profile(
        agent_name="x" * 256,
        faq=[{"question": "¿Bien?", "answer": "Sí"}, {"question": "", "answer": "a" * 5001}],
        notifications=[
            {"type": "Garantía", "phone": "+573001234567", "name": "Ana"},
            {"type": "Garantía", "phone": "+99 123", "name": "Beto", "country": "XX"},
        ],
    )

    _cleaned, errors = validators.clean_profile(bad)

    assert {(error.path, error.code) for error in errors} == {
        ("agent_name", "too_long"),
        ("faq.1.question", "required"),
        ("faq.1.answer", "too_long"),
        ("notifications.1.type", "duplicate_type"),
        ("notifications.1.phone", "invalid_phone"),
        ("notifications.1.country", "invalid_country"),
    }


def test_a_country_outside_the_eight_is_refused_with_the_list_of_countries():
    _cleaned, errors = validators.clean_notifications(
        [{"type": "Garantía", "phone": "+54 9 11 2345 6789", "name": "Ana"}]
    )

    assert errors[0].code == "country_not_supported"
    assert "Paraguay" in errors[0].text()


def test_every_dropi_country_s_calling_code_gives_its_country():
    numbers = {
        "+573001234567": "CO",
        "+593991234567": "EC",
        "+56987654321": "CL",
        "+50251234567": "GT",
        "+525512345678": "MX",
        "+50761234567": "PA",
        "+51987654321": "PE",
        "+595981123456": "PY",
    }
    for phone, country in numbers.items():
        assert validators.normalise_phone(phone) == (phone, country)


def test_a_missing_part_or_a_non_object_is_an_error():
    partial = profile()
    del partial["rules"]

    assert [error.path for error in validators.clean_profile(partial)[1]] == ["rules"]
    assert [error.code for error in validators.clean_profile(["no"])[1]] == ["not_an_object"]
