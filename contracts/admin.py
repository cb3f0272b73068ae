"""Customers and contracts in the admin (master data, DESIGN §6).

Writes here are for the administrator only (the same rule as contracts.services grants the
admin role). The model's own validation runs on every form; the rules the services add on top
(credit code normalised upper-case, one primary contact, one default address, six-digit
postcodes) are enforced by
the forms below using the services' own helpers, so the admin cannot store what the API refuses.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.money import money
from core.roles import Role, has_role

from .models import (
    Contract,
    ContractAttachment,
    Customer,
    CustomerAddress,
    CustomerContact,
    SupplementaryAgreement,
)
from .selectors import contract_ledger
from .services.customers import (
    ADDRESS_FIELDS,
    CUSTOMER_FIELDS,
    normalize_credit_code,
    postcode_errors,
)


class AdminRoleWritesMixin:
    """Anyone with the Django permission may look; only the admin role may change."""

    def _is_admin(self, request) -> bool:
        return has_role(request.user, Role.ADMIN)

    def has_add_permission(self, request, *args):
        return self._is_admin(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request) and super().has_delete_permission(request, obj)


class SingleFlagInlineFormSet(forms.BaseInlineFormSet):
    """At most one row may carry `flag` (one primary contact, one default address)."""

    flag = ""
    message = ""

    def clean(self):
        super().clean()
        flagged = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get(self.flag)
        ]
        if len(flagged) > 1:
            raise ValidationError(self.message)


class ContactFormSet(SingleFlagInlineFormSet):
    flag = "is_primary"
    message = _("Mark at most one contact as the primary contact.")


class AddressFormSet(SingleFlagInlineFormSet):
    flag = "is_default"
    message = _("Mark at most one ship-to address as the default.")


class CustomerContactInline(AdminRoleWritesMixin, admin.TabularInline):
    model = CustomerContact
    formset = ContactFormSet
    extra = 0
    fields = ["name", "title", "phone", "email", "is_primary"]


class CustomerAddressForm(forms.ModelForm):
    class Meta:
        model = CustomerAddress
        fields = list(ADDRESS_FIELDS)

    def clean_postcode(self):
        postcode = self.cleaned_data.get("postcode", "")
        errors = postcode_errors(postcode)
        if errors:
            raise ValidationError(errors)
        return postcode


class CustomerAddressInline(AdminRoleWritesMixin, admin.StackedInline):
    model = CustomerAddress
    form = CustomerAddressForm
    formset = AddressFormSet
    extra = 0
    fields = [
        ("label", "is_default"),
        ("province", "city", "district"),
        "detail",
        ("postcode", "consignee", "phone"),
    ]


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)

    def clean_credit_code(self):
        # Normalised before the unique check, so "…y43" and "…Y43" are the same customer.
        return normalize_credit_code(self.cleaned_data.get("credit_code"))


@admin.register(Customer)
class CustomerAdmin(AdminRoleWritesMixin, admin.ModelAdmin):
    form = CustomerAdminForm
    inlines = [CustomerContactInline, CustomerAddressInline]
    list_display = [
        "name",
        "credit_code",
        "region",
        "province",
        "settlement_method",
        "credit_grade",
        "credit_limit",
        "trade_type",
        "is_key_customer",
        "account_manager",
        "is_active",
    ]
    list_filter = [
        "settlement_method",
        "credit_grade",
        "region",
        "trade_type",
        "is_key_customer",
        "is_active",
    ]
    search_fields = ["name", "short_name", "credit_code", "tax_number"]
    list_select_related = ["account_manager"]
    autocomplete_fields = ["account_manager"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "short_name",
                    "credit_code",
                    "account_manager",
                    ("region", "province"),
                    ("trade_type", "customer_class", "is_key_customer", "is_active"),
                ]
            },
        ),
        (
            _("Invoicing details (开票信息)"),
            {
                "fields": [
                    "invoice_title",
                    "tax_number",
                    "invoice_address_phone",
                    ("bank_name", "bank_account"),
                ]
            },
        ),
        (
            _("Credit and settlement"),
            {"fields": [("credit_limit", "credit_grade"), ("settlement_method", "credit_days")]},
        ),
        (None, {"fields": ["notes", ("created_at", "updated_at")]}),
    ]


class ContractAttachmentInline(AdminRoleWritesMixin, admin.TabularInline):
    model = ContractAttachment
    extra = 0
    fields = ["kind", "name", "file", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = ["name", "file", "size", "sha256", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        # Uploads go through contract_attachment_add (size, type and checksum checked).
        return False


class SupplementaryAgreementInline(AdminRoleWritesMixin, admin.TabularInline):
    model = SupplementaryAgreement
    extra = 0
    fields = ["number", "signed_date", "amount_change", "description", "file"]


@admin.register(Contract)
class ContractAdmin(AdminRoleWritesMixin, admin.ModelAdmin):
    inlines = [ContractAttachmentInline, SupplementaryAgreementInline]
    list_display = [
        "number",
        "customer",
        "title",
        "signed_date",
        "amount",
        "status",
        "owner",
    ]
    list_filter = ["status", "installation_service", "signed_date"]
    search_fields = ["number", "title", "customer__name", "customer__credit_code"]
    list_select_related = ["customer", "owner"]
    autocomplete_fields = ["customer", "owner"]
    date_hierarchy = "signed_date"
    readonly_fields = ["ledger", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "customer",
                    "title",
                    ("signed_date", "start_date", "end_date"),
                    ("amount", "status"),
                    "owner",
                ]
            },
        ),
        (
            _("Terms"),
            {"fields": ["payment_terms", "penalty_clause", "installation_service", "notes"]},
        ),
        (_("Contract ledger (合同台账)"), {"fields": ["ledger", ("created_at", "updated_at")]}),
    ]

    @admin.display(description=_("ledger"))
    def ledger(self, obj: Contract):
        if obj is None or obj.pk is None:
            return "-"
        data = contract_ledger(contract=obj)
        rows = [
            (_("Contract amount"), money(data["contract_amount"])),
            (_("Supplementary agreements"), money(data["supplementary_change"])),
            (_("Effective amount"), money(data["effective_amount"])),
            (_("Ordered (submitted batches)"), money(data["ordered_amount"])),
            (_("Batches"), data["batches"]),
            (_("Remaining"), money(data["remaining_amount"])),
        ]
        return format_html_join("", "<div>{}: <strong>{}</strong></div>", rows)
