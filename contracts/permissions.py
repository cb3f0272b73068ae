"""Who may do what with customers and contracts (DESIGN §4). Used by services, the API and admin.

Plain functions of (user, object); they never write. Visibility follows contracts.selectors:
a sales rep sees the customers they manage, every other role sees all customers.

Customer fields fall into groups with different owners:
- profile (name, invoicing details, region, settlement method, contacts, addresses, ...):
  the account manager (sales rep), sales head, general manager, administrator;
- credit (credit limit and grade): finance and the administrator only — finance judges credit
  (REQUIREMENTS §4); a rep who sends a different credit value is refused with 403;
- assignment (account manager): sales head, general manager, administrator.
Finance may also correct the settlement method and credit term, which its credit check relies on.
"""

from core.roles import Role, has_role, sees_all_records

CREDIT_FIELDS = frozenset({"credit_limit", "credit_grade"})
SETTLEMENT_FIELDS = frozenset({"settlement_method", "credit_days"})
ASSIGNMENT_FIELDS = frozenset({"account_manager"})
NESTED_FIELDS = frozenset({"contacts", "addresses"})
PROFILE_FIELDS = (
    frozenset(
        {
            "name",
            "credit_code",
            "short_name",
            "invoice_title",
            "tax_number",
            "invoice_address_phone",
            "bank_name",
            "bank_account",
            "region",
            "province",
            "customer_class",
            "trade_type",
            "is_key_customer",
            "is_active",
            "notes",
        }
    )
    | SETTLEMENT_FIELDS
    | NESTED_FIELDS
)
CUSTOMER_FIELDS = PROFILE_FIELDS | CREDIT_FIELDS | ASSIGNMENT_FIELDS


def is_account_manager(user, customer) -> bool:
    return user.is_authenticated and customer.account_manager_id == user.pk


def may_view_customer(user, customer) -> bool:
    return sees_all_records(user) or is_account_manager(user, customer)


def customer_editable_fields(user, customer=None) -> frozenset[str]:
    """The customer fields `user` may set; `customer=None` asks about a new customer."""
    if user is None or not user.is_authenticated:
        return frozenset()
    if has_role(user, Role.ADMIN):
        return CUSTOMER_FIELDS
    fields: set[str] = set()
    if has_role(user, Role.SALES_HEAD, Role.GM):
        fields |= PROFILE_FIELDS | ASSIGNMENT_FIELDS
    if has_role(user, Role.SALES_REP) and (customer is None or is_account_manager(user, customer)):
        fields |= PROFILE_FIELDS
    if has_role(user, Role.FINANCE) and customer is not None:
        fields |= CREDIT_FIELDS | SETTLEMENT_FIELDS
    return frozenset(fields)


def may_create_customer(user) -> bool:
    return bool(customer_editable_fields(user))


def may_edit_customer(user, customer) -> bool:
    return may_view_customer(user, customer) and bool(customer_editable_fields(user, customer))


# --- contracts -------------------------------------------------------------------------------


def may_create_contract(user) -> bool:
    return user.is_authenticated and has_role(user, Role.SALES_REP, Role.SALES_HEAD, Role.ADMIN)


def may_contract_for(user, customer) -> bool:
    """Sign a contract with `customer`: the rep for their own customers, sales head, admin."""
    if not user.is_authenticated:
        return False
    if has_role(user, Role.SALES_HEAD, Role.ADMIN):
        return True
    return has_role(user, Role.SALES_REP) and is_account_manager(user, customer)


def may_edit_contract(user, contract) -> bool:
    """Sales head and admin edit any contract; a rep those of their customers or that they own."""
    if not user.is_authenticated:
        return False
    if has_role(user, Role.SALES_HEAD, Role.ADMIN):
        return True
    return has_role(user, Role.SALES_REP) and (
        contract.owner_id == user.pk or is_account_manager(user, contract.customer)
    )
