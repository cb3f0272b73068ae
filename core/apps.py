from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        # Connects the calendar cache invalidation to CalendarDay/CalendarYear saves.
        from . import calendar  # noqa: F401
