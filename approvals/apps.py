from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        # The order machine asks this policy for chains, checks and delegations.
        from orders.approval_hooks import register

        from .policy import PolicyApprovalHooks

        register(PolicyApprovalHooks())
