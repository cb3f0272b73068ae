"""Small helpers the contract services share: model validation into field errors, unique saves."""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction

from core.errors import ValidationFailed


def clean_into(
    instance: models.Model,
    errors: dict[str, list[str]],
    *,
    prefix: str = "",
    exclude: list[str] | None = None,
) -> None:
    """Run the model's own validation and add its messages to `errors` under `prefix`.

    Uniqueness is checked by the services themselves (with a message that names the clash),
    and database constraints are mirrored in clean(), so neither is repeated here.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        for name, items in exc.error_dict.items():
            key = f"{prefix}non_field_errors" if name == "__all__" else f"{prefix}{name}"
            messages = [str(message) for error in items for message in error.messages]
            errors.setdefault(key, []).extend(m for m in messages if m not in errors[key])


def raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


def save_unique(
    instance: models.Model, *, clash: Callable[[], bool], field: str, message: str
) -> None:
    """Save; a unique clash that slipped past the check (a concurrent insert) is a field error,
    never an IntegrityError. `clash()` tells whether the conflicting row now exists."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        if clash():
            raise ValidationFailed(fields={field: [message]}) from exc
        raise


def differs(instance: models.Model, name: str, value) -> bool:
    """Whether setting `name` to `value` changes the instance (foreign keys compared by id)."""
    field = instance._meta.get_field(name)
    if field.is_relation:
        new_id = value.pk if isinstance(value, models.Model) else value
        return getattr(instance, field.attname) != new_id
    return getattr(instance, name) != value
