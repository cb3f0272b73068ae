"""What the finance API modules share: who may call them, documented error responses, enum
fields kept inline in the schema, input parsing."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import permissions, serializers

from core.templatetags.ui import person

from ..permissions import may_read_finance, may_write_finance

ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad field")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(
        description=_("permission_denied: finance pages are not open to this role")
    ),
    404: OpenApiResponse(description=_("not_found, also for records the user may not see")),
}
CONFLICT = {
    409: OpenApiResponse(
        description=_(
            "invalid_transition or concurrent_modification: the order or record is no longer in "
            "a state that allows this"
        )
    )
}
WRITE_ERRORS = {**ERRORS, **CONFLICT}
READ_ERRORS = {401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]}
LIST_ERRORS = {400: ERRORS[400], 401: ERRORS[401], 403: ERRORS[403]}


class FinanceAccess(permissions.BasePermission):
    """Reading: finance, admin, GM, sales head, and sales reps (scoped to their own customers by
    the selectors); production and the warehouse have no finance figures. Writing: finance and
    admin. The services check again; this answers 403 before any input is looked at."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return may_read_finance(request.user)
        return may_write_finance(request.user)


def inline_enum(choices) -> dict:
    """An enum kept inside its field's schema: a shared component named after the field
    ("kind", "method") would collide with other apps' fields of the same name."""
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
        type(f"Finance{choices_class.__name__}Field", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices_class.choices, **kwargs)


class PersonField(serializers.CharField):
    """A user's display name (张伟 / "Wei Zhang"), null when nobody."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return person(value) if value is not None else None


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


def quantity_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True, **kwargs)


def parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def is_schema_view(view) -> bool:
    return getattr(view, "swagger_fake_view", False)
