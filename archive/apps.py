from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")

    def ready(self) -> None:
        from orders import lifecycle

        from .sections import order_archive_section

        lifecycle.register_order_page_section(order_archive_section)
