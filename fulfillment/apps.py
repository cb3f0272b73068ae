from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = _("Fulfillment")

    def ready(self) -> None:
        from orders import lifecycle

        from .listeners import fulfillment_listener
        from .selectors import product_availability_map
        from .views.sections import order_sections

        lifecycle.register(fulfillment_listener)
        lifecycle.register_availability(product_availability_map)
        lifecycle.register_order_page_section(order_sections)
