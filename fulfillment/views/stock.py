"""Stock page (ISSUE 5 item 1): levels per product and warehouse; receipts for the warehouse."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.web import apply_service_errors, forbid_unless, paginate
from orders.models import Product

from ..models import Warehouse
from ..selectors import may_view_stock, stock_list
from ..services import may_change_stock, stock_receive


class StockReceiveForm(forms.Form):
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Product.objects.filter(is_active=True)
    )
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.all(), required=False
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), max_digits=14, decimal_places=3, min_value=0
    )
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


@login_required
def stock_list_view(request):
    forbid_unless(may_view_stock(request.user))
    can_receive = may_change_stock(request.user)
    form = None
    if can_receive:
        form = StockReceiveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                stock_receive(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(request, _("Stock received."))
                return redirect("fulfillment:stock_list")
    else:
        forbid_unless(request.method == "GET")
    q = request.GET.get("q", "")
    page = paginate(request, stock_list(filters={"q": q}))
    return render(
        request,
        "fulfillment/stock_list.html",
        {"page": page, "items": page.object_list, "q": q, "form": form},
    )
