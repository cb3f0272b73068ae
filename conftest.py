"""Fixtures shared by every app's tests."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.roles import Role
from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason printed, tests that need PostgreSQL or Redis when they are absent."""
    import os

    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


@pytest.fixture(autouse=True)
def _reset_language(settings):
    """A request in an earlier test may leave its language active on this thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks queued through the outbox run in place during tests."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def make_user(role: str | None, **kwargs):
    return UserFactory(roles=[role] if role else [], **kwargs)


@pytest.fixture
def rep(db):
    return make_user(Role.SALES_REP, username="rep")


@pytest.fixture
def other_rep(db):
    return make_user(Role.SALES_REP, username="rep2")


@pytest.fixture
def sales_head(db):
    return make_user(Role.SALES_HEAD, username="head")


@pytest.fixture
def finance(db):
    return make_user(Role.FINANCE, username="finance")


@pytest.fixture
def gm(db):
    return make_user(Role.GM, username="gm")


@pytest.fixture
def production(db):
    return make_user(Role.PRODUCTION, username="production")


@pytest.fixture
def warehouse(db):
    return make_user(Role.WAREHOUSE, username="warehouse")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def api():
    """An API client; `api.force_authenticate(user)` signs in."""
    return APIClient()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
