"""Forms of the order entry page: they parse what was typed; orders.services decides.

The header form and the line formset only turn strings into dates, Decimals and records. Every
business rule (quantity above zero, own customers only, contract of that customer, ...) is checked
by order_create/order_update, whose ValidationFailed is mapped back onto these forms by
`apply_service_errors`, so the browser and the API give the same answers.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import CustomerAddress
from contracts.selectors import contract_list, customer_list

from .enums import DeliveryMethod, InvoiceType, OrderSource, OrderType, Priority, VatRate
from .models import Order, Product
from .services.orders import HEADER_FIELDS

LINES_PREFIX = "lines"
# Line fields as the service names them in "lines.N.<field>" errors.
LINE_SERVICE_FIELDS = ("product", "quantity", "unit_price", "tax_rate", "remarks")


def _text(attrs: dict | None = None, **more) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control", **(attrs or {}), **more})


def _number(**attrs) -> forms.TextInput:
    # A text input with a decimal keyboard, not type=number: the browser must not silently drop
    # or "correct" what the rep typed; the server reports what is wrong in the user's language.
    return _text(
        {"inputmode": "decimal", "autocomplete": "off", "class": "form-control num"}, **attrs
    )


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d")


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-control", "rows": rows})


class BootstrapBoundField(forms.BoundField):
    """Adds Bootstrap's is-invalid to a widget with errors (next to Django's aria-invalid)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            css = attrs.get("class") or widget.attrs.get("class", "")
            attrs["class"] = f"{css} is-invalid".strip()
        return attrs


class OrderHeaderForm(forms.Form):
    """The order header. Choices of customer, contract and address are scoped to the user."""

    bound_field_class = BootstrapBoundField

    customer = forms.ModelChoiceField(
        queryset=None,
        required=False,  # the service says "Choose a customer." together with the other errors
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose one of your customers from the list.")},
    )
    # What the rep typed or picked in the customer lookup; kept across errors, never saved.
    customer_label = forms.CharField(required=False)
    contract = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the customer's contracts.")},
    )
    ship_to = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the customer's addresses.")},
    )
    ship_to_text = forms.CharField(
        label=_("Delivery address"), required=False, max_length=300, widget=_text()
    )
    consignee = forms.CharField(
        label=_("Consignee"), required=False, max_length=60, widget=_text(autocomplete="off")
    )
    consignee_phone = forms.CharField(
        label=_("Consignee phone"),
        required=False,
        max_length=40,
        widget=_text(autocomplete="off", inputmode="tel"),
    )
    order_type = forms.ChoiceField(
        label=_("Order type"),
        choices=OrderType.choices,
        initial=OrderType.REGULAR,
        widget=_select(),
    )
    order_date = forms.DateField(label=_("Order date"), required=False, widget=_date())
    required_date = forms.DateField(
        label=_("Required delivery date"), required=False, widget=_date()
    )
    promised_date = forms.DateField(
        label=_("Promised delivery date"), required=False, widget=_date()
    )
    delivery_method = forms.ChoiceField(
        label=_("Delivery method"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.ROAD,
        widget=_select(),
    )
    payment_terms = forms.CharField(
        label=_("Payment terms"), required=False, max_length=300, widget=_text()
    )
    payment_due_date = forms.DateField(label=_("Payment due date"), required=False, widget=_date())
    invoice_type = forms.ChoiceField(
        label=_("Invoice type"),
        choices=InvoiceType.choices,
        initial=InvoiceType.VAT_SPECIAL,
        widget=_select(),
    )
    source = forms.ChoiceField(
        label=_("Order source"),
        choices=OrderSource.choices,
        initial=OrderSource.SALESPERSON,
        widget=_select(),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL, widget=_select()
    )
    freight = forms.DecimalField(
        label=_("Freight"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=_number(**{"data-recalc": True}),
    )
    discount = forms.DecimalField(
        label=_("Discount"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=_number(**{"data-recalc": True}),
    )
    special_requirements = forms.CharField(
        label=_("Special requirements (packing, transport)"),
        required=False,
        widget=_textarea(),
    )
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=_textarea())

    # Header keyword arguments of the services; the settlement method is not typed here, the
    # service takes it from the customer.
    SERVICE_HEADER_FIELDS = tuple(f for f in HEADER_FIELDS if f != "settlement_method")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        customers = customer_list(user=user)
        self.fields["customer"].queryset = customers
        self.fields["contract"].queryset = contract_list(user=user)
        self.fields["ship_to"].queryset = CustomerAddress.objects.filter(customer__in=customers)
        if not self.is_bound and not self.initial.get("order_date"):
            self.initial["order_date"] = timezone.localdate()

    @classmethod
    def initial_from_order(cls, order: Order) -> dict:
        data = {f: getattr(order, f) for f in cls.SERVICE_HEADER_FIELDS}
        data.update(
            customer=order.customer_id,
            customer_label=order.customer.name,
            contract=order.contract_id,
            ship_to=order.ship_to_id,
        )
        return data

    def service_kwargs(self) -> dict:
        """Keyword arguments for order_create/order_update from the cleaned data."""
        data = self.cleaned_data
        kwargs = {f: data.get(f) for f in self.SERVICE_HEADER_FIELDS}
        for field in ("ship_to_text", "consignee", "consignee_phone", "payment_terms"):
            kwargs[field] = (kwargs[field] or "").strip()
        for field in ("special_requirements", "remarks"):
            kwargs[field] = kwargs[field] or ""
        for field in ("freight", "discount"):
            kwargs[field] = kwargs[field] if kwargs[field] is not None else Decimal("0.00")
        kwargs.update(
            customer=data.get("customer"),
            contract=data.get("contract"),
            ship_to=data.get("ship_to"),
        )
        return kwargs

    # -- for the template --------------------------------------------------------------------
    def selected_customer(self):
        """The picked customer (an object) or None; from cleaned data, else initial."""
        if self.is_bound:
            if hasattr(self, "cleaned_data") and self.cleaned_data.get("customer"):
                return self.cleaned_data["customer"]
            return None
        value = self.initial.get("customer")
        if value in (None, ""):
            return None
        return self.fields["customer"].queryset.filter(pk=value).first()

    def selected_pk(self, name: str) -> str:
        """The chosen value of a select, as a string, bound or not."""
        value = self[name].value()
        return "" if value in (None, "") else str(getattr(value, "pk", value))


class OrderLineForm(forms.Form):
    """One line. The product is an id resolved for all lines at once by the formset."""

    bound_field_class = BootstrapBoundField

    product = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )
    product_label = forms.CharField(required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        required=False,
        max_digits=14,
        decimal_places=3,
        widget=_number(**{"aria-label": _("Quantity"), "data-recalc": True}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (tax incl.)"),
        required=False,
        max_digits=14,
        decimal_places=4,
        widget=_number(**{"aria-label": _("Unit price (tax incl.)"), "data-recalc": True}),
    )
    tax_rate = forms.TypedChoiceField(
        label=_("Tax rate"),
        required=False,
        coerce=Decimal,
        empty_value=None,
        choices=[("", _("From product"))] + [(v, label) for v, label in VatRate.choices],
        widget=forms.Select(
            attrs={"class": "form-select", "aria-label": _("Tax rate"), "data-recalc": True}
        ),
    )
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=200,
        widget=_text(autocomplete="off", **{"aria-label": _("Line remarks")}),
    )

    # Typed fields that make a row count as "entered" (the tax rate select alone does not).
    ENTRY_FIELDS = ("product", "product_label", "quantity", "unit_price", "remarks")

    def is_blank(self) -> bool:
        """A row the rep left untouched: skipped, not an error."""
        return not any((self.data.get(self.add_prefix(f)) or "").strip() for f in self.ENTRY_FIELDS)


class BaseOrderLineFormSet(forms.BaseFormSet):
    """Lines of the entry form. Rows may be removed in the browser, so gaps are tolerated."""

    def entered_forms(self) -> list[OrderLineForm]:
        """The forms of rows with something typed, in page order: row N of the service."""
        return [f for f in self.forms if not f.is_blank()]

    def products(self) -> dict[int, Product]:
        """All products the rows name, in one query."""
        ids = set()
        for form in self.entered_forms():
            value = form.cleaned_data.get("product") if hasattr(form, "cleaned_data") else None
            if value:
                ids.add(value)
        if not ids:
            return {}
        return Product.objects.in_bulk(ids)

    def service_lines(self) -> tuple[list[dict], list[OrderLineForm]]:
        """Line dicts for the services and, at the same position, the form each came from."""
        products = self.products()
        lines, forms_ = [], []
        for form in self.entered_forms():
            data = form.cleaned_data
            product = products.get(data.get("product")) if data.get("product") else None
            lines.append(
                {
                    "product": product,
                    "quantity": data.get("quantity"),
                    "unit_price": data.get("unit_price"),
                    "tax_rate": data.get("tax_rate"),
                    "remarks": (data.get("remarks") or "").strip(),
                }
            )
            forms_.append(form)
            form.product_obj = product
        return lines, forms_


OrderLineFormSet = forms.formset_factory(
    OrderLineForm,
    formset=BaseOrderLineFormSet,
    extra=0,
    max_num=500,
    absolute_max=500,
    validate_max=True,
)


def line_initial_from_order(order: Order) -> list[dict]:
    rows = []
    for line in order.lines.all():
        rows.append(
            {
                "product": line.product_id,
                "product_label": str(line.product),
                "quantity": _plain(line.quantity),
                "unit_price": _plain(line.unit_price),
                "tax_rate": line.tax_rate,
                "remarks": line.remarks,
            }
        )
    return rows


def _plain(value: Decimal) -> str:
    """2.500 → 2.5, 1130.0000 → 1130: what a person would have typed."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def apply_service_errors(
    fields: dict, header: OrderHeaderForm, formset, line_forms: list
) -> list[str]:
    """Attach a ValidationFailed's messages to the form fields; return the ones left over.

    "lines.N.field" goes to the N-th line passed to the service (line_forms[N]); anything that
    names no field of the page becomes a message at the top.
    """
    unplaced: list[str] = []
    for key, messages in fields.items():
        messages = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        if key.startswith("lines."):
            parts = key.split(".")
            try:
                form = line_forms[int(parts[1])]
            except (IndexError, ValueError):
                unplaced += messages
                continue
            field = parts[2] if len(parts) > 2 else None
            form.add_error(field if field in form.fields else None, messages)
        elif key == "lines":
            formset.service_errors = getattr(formset, "service_errors", []) + messages
        elif key in header.fields and key != "customer_label":
            header.add_error(key, messages)
        else:
            unplaced += messages
    return unplaced
