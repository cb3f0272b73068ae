from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from orders import lifecycle

        from .listeners import finance_listener
        from .providers import invoiced_by_customer, paid_by_order, receivables_by_customer
        from .views.sections import order_finance_section

        lifecycle.register(finance_listener)
        lifecycle.register_payments(paid_by_order)
        lifecycle.register_receivables(receivables_by_customer)
        lifecycle.register_invoiced(invoiced_by_customer)
        lifecycle.register_order_page_section(order_finance_section)
