"""Forms of the shipment pages: they turn what was typed into dates, numbers and records;
fulfillment.services.shipping and orders.services.transitions decide what is allowed (partial
shipments need consent, at most the open quantity, express needs a tracking number...)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.forms import BootstrapMixin, date_input
from core.files import allowed_extensions
from core.templatetags.ui import person, qty
from orders.enums import DeliveryMethod

from ..enums import ShipmentStatus

DATE_FORMATS = ["%Y-%m-%d"]
QTY_PREFIX = "qty_"


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class PersonChoiceField(forms.ModelChoiceField):
    """A user shown by name (张伟 / Wei Zhang) rather than by username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", active_users())
        super().__init__(**kwargs)

    def label_from_instance(self, obj) -> str:
        name = person(obj)
        return name if name == obj.get_username() else f"{name} ({obj.get_username()})"


def mark_required(*fields: forms.Field) -> None:
    """Show a field as required (asterisk, aria-required) while the service, not the form,
    says what is missing — so every problem is reported in one round, in the same words as
    the API."""
    for field in fields:
        field.marked_required = True
        field.widget.attrs["aria-required"] = "true"


def quantity_field(**kwargs) -> forms.DecimalField:
    # A text input with a decimal keyboard, not type=number: the browser must not silently
    # drop or "correct" what was typed; the server says what is wrong.
    return forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
        error_messages={"min_value": _("The quantity cannot be negative.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "decimal",
                "autocomplete": "off",
                "size": 8,
                "class": "num ship-qty form-control-lg w-auto",
            }
        ),
        **kwargs,
    )


class ShipmentForm(BootstrapMixin, forms.Form):
    """The warehouse ships the order's open lines: a quantity per line (prefilled with what is
    open; blank or 0 = not shipped now) and the transport details."""

    shipped_on = forms.DateField(
        label=_("Ship date"), widget=date_input(), input_formats=DATE_FORMATS
    )
    transport_mode = forms.ChoiceField(label=_("Transport mode"), choices=DeliveryMethod.choices)
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=100,
        required=False,
        help_text=_("Logistics company or truck; not needed for customer pickup."),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=60,
        required=False,
        help_text=_("物流单号; required for express."),
    )
    customer_consent = forms.CharField(
        label=_("Customer consent to a partial shipment"),
        max_length=300,
        required=False,
        help_text=_(
            "Required when not everything open ships now (partial shipment, 缺件发货): "
            "who at the customer agreed, and when."
        ),
    )
    follow_up_owner = PersonChoiceField(
        label=_("Follow-up owner"),
        required=False,
        help_text=_("Follows up on what is still open; the order's sales rep by default."),
    )
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea)
    expected_status = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, order, lines, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "shipped_on": timezone.localdate(),
                "transport_mode": order.delivery_method or DeliveryMethod.ROAD,
                "follow_up_owner": order.owner_id,
                "expected_status": order.status,
            },
        )
        super().__init__(*args, **kwargs)
        self.order = order
        self.lines = list(lines)
        for line in self.lines:
            field = quantity_field(label=_("Ship now"), initial=qty(line.open_quantity))
            field.widget.attrs["data-open"] = qty(line.open_quantity)
            self.fields[f"{QTY_PREFIX}{line.pk}"] = field
        mark_required(self.fields["carrier"])
        self.style_widgets()
        for name in ("carrier", "tracking_number", "shipped_on", "transport_mode"):
            self.fields[name].col = "col-sm-6 col-lg-3"
        for name in ("customer_consent", "follow_up_owner"):
            self.fields[name].col = "col-sm-6"
        self.fields["remarks"].col = "col-12"

    def line_rows(self):
        """(line, its quantity field) in the order's sequence, for the template."""
        return [(line, self[f"{QTY_PREFIX}{line.pk}"]) for line in self.lines]

    def clean(self):
        cleaned = super().clean()
        names = [f"{QTY_PREFIX}{line.pk}" for line in self.lines]
        if any(name in self.errors for name in names):
            return cleaned
        if not any((cleaned.get(name) or Decimal("0")) > 0 for name in names):
            raise forms.ValidationError(_("Enter a quantity to ship on at least one line."))
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        quantities = {}
        for line in self.lines:
            value = data.get(f"{QTY_PREFIX}{line.pk}")
            if value:  # blank or 0: not shipped now
                quantities[line.pk] = value
        return {
            "quantities": quantities,
            "shipped_on": data["shipped_on"],
            **{
                key: data.get(key) or ""
                for key in (
                    "carrier",
                    "transport_mode",
                    "tracking_number",
                    "customer_consent",
                    "remarks",
                )
            },
            "follow_up_owner": data.get("follow_up_owner"),
        }

    def field_for_service_key(self, key: str) -> str | None:
        """The form field a service error key names: "lines.<id>" is that line's quantity."""
        if key.startswith("lines."):
            name = f"{QTY_PREFIX}{key.split('.', 1)[1]}"
            return name if name in self.fields else None
        return key if key in self.fields else None


class ShortCloseForm(forms.Form):
    """Close what is left of one line (短交关闭); the reason is required by the service."""

    line = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class ReceiptForm(BootstrapMixin, forms.Form):
    """The customer's signed delivery receipt (签收单) and what they noted on it."""

    file = forms.FileField(
        label=_("Signed receipt (scan or photo)"),
        required=False,
        allow_empty_file=True,  # core.files.check_upload says "The file is empty."
        widget=forms.FileInput,
    )
    signer = forms.CharField(label=_("Signed by"), max_length=60, required=False)
    signed_on = forms.DateField(
        label=_("Signed on"), required=False, widget=date_input(), input_formats=DATE_FORMATS
    )
    quantity_ok = forms.BooleanField(label=_("Quantity as shipped"), required=False, initial=True)
    appearance_ok = forms.BooleanField(label=_("Appearance intact"), required=False, initial=True)
    packing_ok = forms.BooleanField(label=_("Packing intact"), required=False, initial=True)
    remarks = forms.CharField(
        label=_("Remarks on quantity, appearance, packing"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Required when a box above is not ticked: describe what was wrong."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"signed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        extensions = allowed_extensions()
        self.fields["file"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in extensions)
        self.fields["file"].help_text = _("Accepted types: %(types)s.") % {
            "types": ", ".join(extensions)
        }
        mark_required(self.fields["file"], self.fields["signer"], self.fields["signed_on"])
        self.style_widgets()
        for name in ("quantity_ok", "appearance_ok", "packing_ok"):
            self.fields[name].col = "col-sm-4"
        self.fields["file"].col = "col-12"
        self.fields["remarks"].col = "col-12"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "file": data.get("file"),
            "signer": data.get("signer") or "",
            "signed_on": data.get("signed_on"),
            "quantity_ok": bool(data.get("quantity_ok")),
            "appearance_ok": bool(data.get("appearance_ok")),
            "packing_ok": bool(data.get("packing_ok")),
            "remarks": data.get("remarks") or "",
        }


UNSIGNED, SIGNED = ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED


class ShipmentFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Shipment, order or customer"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Signed receipt"),
        required=False,
        choices=[
            ("", _("All")),
            (UNSIGNED, _("Not signed yet")),
            (SIGNED, _("Delivered (signed)")),
        ],
    )
    date_from = forms.DateField(
        label=_("Shipped from"), required=False, widget=date_input(), input_formats=DATE_FORMATS
    )
    date_to = forms.DateField(
        label=_("Shipped until"), required=False, widget=date_input(), input_formats=DATE_FORMATS
    )
    order = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
