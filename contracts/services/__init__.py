"""The only place that writes customers and contracts (STYLE: services)."""

from .contracts import (
    contract_attachment_add,
    contract_create,
    contract_update,
    supplementary_agreement_add,
)
from .customers import customer_create, customer_update, normalize_credit_code

__all__ = [
    "contract_attachment_add",
    "contract_create",
    "contract_update",
    "customer_create",
    "customer_update",
    "normalize_credit_code",
    "supplementary_agreement_add",
]
