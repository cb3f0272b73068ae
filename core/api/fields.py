"""Small pieces every app's API uses: enums documented inline in the schema, input parsing."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def inline_enum(choices) -> dict:
    """An enum kept inside its field's schema: a component named after the field ("status",
    "kind") would collide with other apps' fields of the same name. `choices` are values or
    (value, label) pairs; the description lists them (and keeps the schema from being
    flattened into a shared component)."""
    pairs = [choice if isinstance(choice, tuple) else (choice, choice) for choice in choices]
    description = format_lazy(
        "\n".join(f"* `{value}` - {{}}" for value, _label in pairs),
        *(label for _value, label in pairs),
    )
    return {
        "allOf": [{"type": "string", "enum": [str(value) for value, _label in pairs]}],
        "description": description,
    }


def enum_field(choices_class, *, name_prefix: str = "", **kwargs) -> serializers.ChoiceField:
    """A ChoiceField over a TextChoices class, documented as an inline enum."""
    choices = list(choices_class.choices)
    if kwargs.get("allow_blank"):
        choices.append(("", _("(blank)")))
    field_class = extend_schema_field(inline_enum(choices))(
        type(f"{name_prefix}{choices_class.__name__}Field", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices_class.choices, **kwargs)


def parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def is_schema_view(view) -> bool:
    return getattr(view, "swagger_fake_view", False)
