"""Who may read the archive (DESIGN §4): finance, the general manager and the administrator."""

from core.roles import Role, has_role


def may_read_archive(user) -> bool:
    return has_role(user, Role.FINANCE, Role.GM, Role.ADMIN)
