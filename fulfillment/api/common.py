"""What the fulfillment API modules share: documented error responses, enum fields kept
inline in the schema, input parsing."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad field")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied")),
    404: OpenApiResponse(description=_("not_found, also for orders the user may not see")),
}
CONFLICT = {
    409: OpenApiResponse(
        description=_(
            "invalid_transition or concurrent_modification: the record is no longer in a "
            "state that allows this"
        )
    )
}
WRITE_ERRORS = {**ERRORS, **CONFLICT}
READ_ERRORS = {401: ERRORS[401], 404: ERRORS[404]}
LIST_ERRORS = {400: ERRORS[400], 401: ERRORS[401]}


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


def enum_field(choices_class, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField over a TextChoices class, documented as an inline enum."""
    choices = list(choices_class.choices)
    if kwargs.get("allow_blank"):
        choices.append(("", _("(blank)")))
    field_class = extend_schema_field(inline_enum(choices))(
        type(f"{choices_class.__name__}Field", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices_class.choices, **kwargs)


class FlagField(serializers.BooleanField):
    """A boolean that keeps its default when a multipart form leaves it out (DRF reads a
    missing checkbox as False)."""

    default_empty_html = empty


def parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def is_schema_view(view) -> bool:
    return getattr(view, "swagger_fake_view", False)
