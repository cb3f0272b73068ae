"""Customer and contract pages (DESIGN §6): views parse input, call one service, render."""

from .contracts import (
    agreement_add_view,
    agreement_download_view,
    attachment_add_view,
    attachment_download_view,
    contract_create_view,
    contract_detail_view,
    contract_edit_view,
    contract_list_view,
)
from .customers import (
    credit_code_check_view,
    customer_create_view,
    customer_detail_view,
    customer_edit_view,
    customer_list_view,
)

__all__ = [
    "agreement_add_view",
    "agreement_download_view",
    "attachment_add_view",
    "attachment_download_view",
    "contract_create_view",
    "contract_detail_view",
    "contract_edit_view",
    "contract_list_view",
    "credit_code_check_view",
    "customer_create_view",
    "customer_detail_view",
    "customer_edit_view",
    "customer_list_view",
]
