"""Who may read the archive (DESIGN §4): finance, the general manager and the administrator."""

from core.roles import Role, has_role


def may_read_archive(user) -> bool:
    return has_role(user, Role.FINANCE, Role.GM, Role.ADMIN)


def may_archive(user) -> bool:
    """Archiving by hand is finance's and the administrator's (REQUIREMENTS §8)."""
    return has_role(user, Role.FINANCE, Role.ADMIN)
