"""Browser forms for customers and contracts. They parse and shape input for the services;
the business rules (credit code uniqueness, who may set what, one primary contact) live in
contracts.services, whose field errors the views put back next to these fields."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.boundfield import BoundField
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.files import allowed_extensions
from core.roles import Role
from core.templatetags.ui import person
from core.validators import validate_credit_code

from .enums import AttachmentKind, ContractStatus, CreditGrade, SettlementMethod, TradeType
from .models import (
    Contract,
    ContractAttachment,
    Customer,
    CustomerAddress,
    CustomerContact,
    SupplementaryAgreement,
)
from .services import normalize_credit_code
from .services.customers import ADDRESS_FIELDS, CONTACT_FIELDS, postcode_errors


def date_input() -> forms.DateInput:
    """The browser's date picker; a new widget each time (widgets hold per-field attrs)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- rendering helpers ---------------------------------------------------------------------------


class BootstrapBoundField(BoundField):
    """Marks an input with errors `is-invalid` unless the form hides errors, as it does while
    a row is only being added."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)  # sets aria-invalid, aria-describedby
        if not getattr(self.form, "show_errors", True):
            attrs.pop("aria-invalid", None)
        elif self.errors:
            # These attrs replace the widget's own "class", so both go in.
            base = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            attrs["class"] = f"{base} is-invalid".strip()
        return attrs


class BootstrapMixin:
    """Bootstrap classes on every widget, and the grid column each field takes (`col`)."""

    bound_field_class = BootstrapBoundField
    show_errors = True

    def style_widgets(self) -> None:
        for field in self.fields.values():
            if not hasattr(field, "col"):
                field.col = "col-md-6"  # the grid column a template puts the field in
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = 2

    def service_values(self) -> dict:
        """cleaned_data of the fields the user may set (disabled fields are left out)."""
        return {
            name: self.cleaned_data[name]
            for name, field in self.fields.items()
            if not field.disabled and name in self.cleaned_data and name != "id"
        }


# --- customers -----------------------------------------------------------------------------------

CUSTOMER_FORM_FIELDS = (
    # licence and invoicing (开票信息)
    "name",
    "short_name",
    "credit_code",
    "invoice_title",
    "tax_number",
    "invoice_address_phone",
    "bank_name",
    "bank_account",
    # credit and settlement
    "credit_limit",
    "credit_grade",
    "settlement_method",
    "credit_days",
    # region and manager
    "region",
    "province",
    "customer_class",
    "account_manager",
    "trade_type",
    "is_key_customer",
    "is_active",
    "notes",
)
# Fieldsets on the page: (heading, field names)
CUSTOMER_FIELDSETS = (
    (
        _("Business licence and invoicing (开票信息)"),
        CUSTOMER_FORM_FIELDS[:8],
    ),
    (_("Credit and settlement"), CUSTOMER_FORM_FIELDS[8:12]),
    (_("Region and account manager"), CUSTOMER_FORM_FIELDS[12:]),
)
WIDE_FIELDS = frozenset({"name", "invoice_address_phone", "notes"})
READONLY_REASONS = {
    "credit_limit": _("Set by finance."),
    "credit_grade": _("Set by finance."),
    "account_manager": _("Assigned by the sales head."),
}


def account_manager_choices(current_id=None):
    """Active sales reps and heads, and whoever manages the customer now (shown even if they
    have since left, so the form does not silently blank the field)."""
    people = Q(is_active=True, groups__name__in=[Role.SALES_REP, Role.SALES_HEAD])
    if current_id:
        people |= Q(pk=current_id)
    return (
        get_user_model()
        .objects.filter(people)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class AccountManagerField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person(obj)


class CustomerForm(BootstrapMixin, forms.Form):
    """The customer's own fields. Fields the user may not set (`editable`) are shown disabled:
    their posted value is ignored and they are not sent to the service."""

    def __init__(self, *args, editable: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Customer, fields=CUSTOMER_FORM_FIELDS))
        self.fields["account_manager"] = AccountManagerField(
            queryset=account_manager_choices(self.initial.get("account_manager")),
            required=False,
            label=Customer._meta.get_field("account_manager").verbose_name,
        )
        # The code is normalised before its check (spaces, lower case), see clean_credit_code.
        self.fields["credit_code"].max_length = 40
        self.fields["credit_code"].widget.attrs.update(
            {"maxlength": 40, "autocomplete": "off", "spellcheck": "false"}
        )
        self.fields["credit_limit"].widget.attrs.update({"step": "0.01", "min": "0"})
        for name, field in self.fields.items():
            field.col = "col-12" if name in WIDE_FIELDS else "col-sm-6"
            if name not in editable:
                field.disabled = True
                field.help_text = READONLY_REASONS.get(name, field.help_text)
        self.style_widgets()
        code = self.fields["credit_code"]
        code.widget.attrs["class"] += " font-monospace"
        if not code.disabled:
            # Checked as it is typed (htmx); the service checks it again on save.
            code.live_feedback_id = "credit-code-check"
            code.widget.attrs.update(
                {
                    "hx-get": reverse("contracts:credit_code_check"),
                    "hx-trigger": "input changed delay:500ms, change",
                    "hx-target": "#credit-code-check",
                    "hx-sync": "this:replace",
                }
            )

    @property
    def fieldsets(self):
        return [(heading, [self[name] for name in names]) for heading, names in CUSTOMER_FIELDSETS]

    def clean_credit_code(self) -> str:
        # The same check the service runs, here too so the message shows with the other errors.
        code = normalize_credit_code(self.cleaned_data.get("credit_code"))
        validate_credit_code(code)
        return code


class _ChildForm(BootstrapMixin, forms.Form):
    """One contact or address row. `id` names an existing row; blank adds one."""

    model: type = CustomerContact
    field_names: tuple[str, ...] = ()

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    columns: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(self.model, fields=self.field_names))
        self.style_widgets()
        for name, field in self.fields.items():
            field.col = self.columns.get(name, "col-md-2")
            css = field.widget.attrs.get("class", "")
            if "form-control" in css:
                field.widget.attrs["class"] = f"{css} form-control-sm"
            elif "form-select" in css:
                field.widget.attrs["class"] = f"{css} form-select-sm"

    def service_item(self) -> dict:
        item = {name: self.cleaned_data[name] for name in self.field_names}
        item["id"] = self.cleaned_data.get("id")
        return item


class ContactForm(_ChildForm):
    model = CustomerContact
    field_names = CONTACT_FIELDS


class AddressForm(_ChildForm):
    model = CustomerAddress
    field_names = ADDRESS_FIELDS
    columns = {"detail": "col-md-4"}  # the rest col-md-2: two rows of the grid

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["postcode"].widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9]{6}"})

    def clean_postcode(self) -> str:
        # The service's own rule, here too so it shows together with the other fields' errors.
        postcode = self.cleaned_data.get("postcode", "")
        if errors := postcode_errors(postcode):
            raise ValidationError(errors)
        return postcode


class _ChildFormSet(forms.BaseFormSet):
    show_errors = True

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            remove = form.fields["DELETE"]
            remove.label = _("Remove")
            remove.col = "col-md-2"
            remove.widget.attrs["class"] = "form-check-input"

    def service_items(self) -> tuple[list[dict], list[forms.Form]]:
        """The rows to send (removed and untouched blank rows left out), with the form of each
        so a service error "contacts.2.phone" finds its way back to the row it is about."""
        items, sources = [], []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.empty_permitted and not form.has_changed():
                continue
            items.append(form.service_item())
            sources.append(form)
        return items, sources


ContactFormSet = forms.formset_factory(
    ContactForm, formset=_ChildFormSet, extra=0, can_delete=True, max_num=50, validate_max=True
)
AddressFormSet = forms.formset_factory(
    AddressForm, formset=_ChildFormSet, extra=0, can_delete=True, max_num=50, validate_max=True
)


def contact_initial(customer: Customer) -> list[dict]:
    return [
        {"id": c.pk, **{n: getattr(c, n) for n in CONTACT_FIELDS}} for c in customer.contacts.all()
    ]


def address_initial(customer: Customer) -> list[dict]:
    return [
        {"id": a.pk, **{n: getattr(a, n) for n in ADDRESS_FIELDS}} for a in customer.addresses.all()
    ]


class CustomerFilterForm(BootstrapMixin, forms.Form):
    """The customer list's search and filters (all optional)."""

    YES_NO = (("", _("Any")), ("yes", _("Yes")), ("no", _("No")))

    q = forms.CharField(required=False, label=_("Search"))
    # Labels are the model's (see __init__), as on the customer form.
    region = forms.ChoiceField(required=False)
    settlement_method = forms.ChoiceField(
        required=False, choices=[("", _("Any")), *SettlementMethod.choices]
    )
    credit_grade = forms.ChoiceField(required=False, choices=[("", _("Any")), *CreditGrade.choices])
    trade_type = forms.ChoiceField(required=False, choices=[("", _("Any")), *TradeType.choices])
    key = forms.ChoiceField(required=False, choices=YES_NO)
    active = forms.ChoiceField(required=False, choices=YES_NO)

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any")), *((r, r) for r in regions)]
        model_fields = {
            "region": "region",
            "settlement_method": "settlement_method",
            "credit_grade": "credit_grade",
            "trade_type": "trade_type",
            "key": "is_key_customer",
            "active": "is_active",
        }
        for name, model_field in model_fields.items():
            self.fields[name].label = capfirst(Customer._meta.get_field(model_field).verbose_name)
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, short name or credit code")}
        )
        self.style_widgets()
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"f-{name}"


# --- contracts -----------------------------------------------------------------------------------

CONTRACT_FORM_FIELDS = (
    "number",
    "customer",
    "title",
    "signed_date",
    "start_date",
    "end_date",
    "amount",
    "status",
    "payment_terms",
    "penalty_clause",
    "installation_service",
    "notes",
)


class ContractForm(BootstrapMixin, forms.Form):
    """A contract's header and terms. `customers` are those the user may contract with."""

    def __init__(self, *args, customers, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        names = [n for n in CONTRACT_FORM_FIELDS if not (creating and n == "status")]
        self.fields.update(fields_for_model(Contract, fields=names))
        self.fields["customer"].queryset = customers
        self.fields["customer"].empty_label = _("Choose a customer")
        for name in ("signed_date", "start_date", "end_date"):
            self.fields[name].widget = date_input()
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0"})
        self.fields["number"].widget.attrs.update({"autocomplete": "off"})
        self.style_widgets()
        for name in ("payment_terms", "penalty_clause"):
            self.fields[name].widget.attrs["rows"] = 3


class AttachmentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=capfirst(ContractAttachment._meta.get_field("kind").verbose_name),
        choices=AttachmentKind.choices,
    )
    file = forms.FileField(label=capfirst(ContractAttachment._meta.get_field("file").verbose_name))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in allowed_extensions()
        )
        self.style_widgets()
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"att-{name}"


class SupplementaryAgreementForm(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                SupplementaryAgreement,
                fields=["number", "signed_date", "amount_change", "description", "file"],
            )
        )
        self.fields["signed_date"].widget = date_input()
        self.fields["amount_change"].widget.attrs["step"] = "0.01"
        self.fields["amount_change"].help_text = _("Negative when the agreement reduces it.")
        self.fields["file"].widget = forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in allowed_extensions())}
        )
        self.style_widgets()
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"sa-{name}"


class ContractFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(required=False, label=_("Search"))
    status = forms.ChoiceField(
        required=False,
        label=capfirst(Contract._meta.get_field("status").verbose_name),
        choices=[("", _("Any")), *ContractStatus.choices],
    )
    customer = forms.ModelChoiceField(
        required=False,
        label=capfirst(Contract._meta.get_field("customer").verbose_name),
        queryset=Customer.objects.none(),
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["customer"].empty_label = _("Any")
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, title or customer")}
        )
        self.style_widgets()
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"f-{name}"


def credit_code_feedback(value: str) -> tuple[str, list[str]]:
    """The live check beside the credit-code input: the normalised code and any messages."""
    code = normalize_credit_code(value)
    if not code:
        return code, []
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        return code, list(exc.messages)
    return code, []
