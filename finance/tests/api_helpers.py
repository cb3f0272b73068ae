"""What the finance API tests share: the API root, signing in, reading a validation error, the
role matrix and counting the queries of a GET."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from tests.factories import UserFactory

API = "/api/v1"

READERS = {
    Role.SALES_REP: 200,  # the order's rep: their own customer
    Role.SALES_HEAD: 200,
    Role.GM: 200,
    Role.FINANCE: 200,
    Role.ADMIN: 200,
    Role.PRODUCTION: 403,
    Role.WAREHOUSE: 403,
}
WRITERS = {
    Role.SALES_REP: 403,
    Role.SALES_HEAD: 403,
    Role.GM: 403,
    Role.PRODUCTION: 403,
    Role.WAREHOUSE: 403,
    Role.FINANCE: 201,
    Role.ADMIN: 201,
}


def as_user(api, user):
    api.force_authenticate(user)
    return api


def bad_fields(response) -> set:
    """The fields a 400 validation error names."""
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "validation_error"
    return set(body["extra"]["fields"])


def role_user(role, rep):
    """`rep` for the sales-rep role (the order's own rep), else a new user with the role."""
    return rep if role == Role.SALES_REP else UserFactory(roles=[role])


def query_count(api, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200
    return len(ctx)


def assert_list_queries_flat(api, url, users, add_17, max_num_queries, params=None):
    """For each user the list takes the same queries with 3 rows as with 20 (`add_17` adds the
    rest), and a page at most 3 (with `params` when given)."""
    few = {}
    for user in users:
        as_user(api, user).get(url)  # the user's roles are cached from here on
        few[user.pk] = query_count(api, url)

    add_17()

    for user in users:
        as_user(api, user)
        assert api.get(url).json()["count"] == 20
        assert query_count(api, url) == few[user.pk]
        with max_num_queries(3):
            api.get(url, params)
