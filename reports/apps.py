from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from orders import lifecycle

        from . import tasks_reports  # noqa: F401  (registers the tracking-report tasks)
        from .sections import home_alert_cards, order_alert_sections

        lifecycle.register_order_page_section(order_alert_sections)
        lifecycle.register_home_cards(home_alert_cards)
