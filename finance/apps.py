from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from orders import lifecycle

        from .balances import open_receivables, order_paid
        from .listeners import finance_listener

        lifecycle.register(finance_listener)
        lifecycle.register_payments(order_paid)
        lifecycle.register_receivables(open_receivables)
