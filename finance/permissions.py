"""Who may do what in finance (DESIGN §4). Finance writes; managers read everything; a sales
rep reads the figures of their own customers' orders only."""

from core.roles import Role, has_role, sees_all_records

WRITERS = (Role.FINANCE, Role.ADMIN)


def may_write_finance(user) -> bool:
    return has_role(user, *WRITERS)


def may_read_finance(user) -> bool:
    """Finance pages; reps see them scoped to their own orders and customers."""
    return has_role(user, Role.FINANCE, Role.ADMIN, Role.GM, Role.SALES_HEAD, Role.SALES_REP)


def sees_all_figures(user) -> bool:
    return sees_all_records(user)
