"""The bell in the navbar, the notifications page and the notifications API (issue 4 item 7)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"


def html_of(response) -> str:
    return response.content.decode()


def note(user, subject="Order SO20261122001 waits for your approval", *, read=False, **fields):
    return Notification.objects.create(
        recipient=user,
        subject=subject,
        body=fields.pop("body", "Customer: 客户\nTotal: ¥1,000.00"),
        link=fields.pop("link", "/orders/1/"),
        read_at=timezone.now() if read else None,
        **fields,
    )


def bell_count(response) -> str | None:
    match = re.search(r'data-testid="notification-count">([^<]+)<', html_of(response))
    return match.group(1) if match else None


# --- the bell -------------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(client, rep, other_rep):
    note(rep)
    note(rep)
    note(rep, read=True)
    note(other_rep)
    client.force_login(rep)
    for url in ["/", "/orders/", PAGE]:
        response = client.get(url)
        assert response.status_code == 200
        assert 'data-testid="notification-bell"' in html_of(response)
        assert bell_count(response) == "2", url


def test_no_badge_without_unread_notifications(client, rep):
    note(rep, read=True)
    client.force_login(rep)
    response = client.get("/orders/")
    assert 'data-testid="notification-bell"' in html_of(response)
    assert bell_count(response) is None


def test_the_bell_caps_its_badge(client, rep):
    Notification.objects.bulk_create(
        Notification(recipient=rep, subject=f"n{i}") for i in range(120)
    )
    client.force_login(rep)
    assert bell_count(client.get("/orders/")) == "99+"


def test_the_bell_costs_one_query_whatever_the_count(client, rep):
    client.force_login(rep)

    def notification_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/orders/").status_code == 200
        return sum('"core_notification"' in q["sql"] for q in ctx.captured_queries)

    assert notification_queries() == 1
    Notification.objects.bulk_create(
        Notification(recipient=rep, subject=f"n{i}") for i in range(30)
    )
    assert notification_queries() == 1


def test_no_bell_for_anonymous_visitors(client):
    response = client.get("/accounts/login/")
    assert 'data-testid="notification-bell"' not in html_of(response)


# --- the page -------------------------------------------------------------------------------------


def test_the_page_lists_the_users_notifications_newest_first(client, rep, other_rep):
    older = note(rep, "older")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=2)
    )
    note(rep, "newer", read=True)
    note(other_rep, "someone else's")
    client.force_login(rep)
    html = html_of(client.get(PAGE))
    assert html.index("newer") < html.index("older")
    assert "someone else" not in html
    assert html.count('data-testid="notification"') == 2
    assert html.count('data-unread="1"') == 1
    assert "Total: ¥1,000.00" in html


def test_the_page_is_paginated_with_a_fixed_number_of_queries(
    client, rep, django_assert_max_num_queries
):
    Notification.objects.bulk_create(
        Notification(recipient=rep, subject=f"subject {i:02d}") for i in range(30)
    )
    client.force_login(rep)
    with django_assert_max_num_queries(6):
        first = html_of(client.get(PAGE))
    assert first.count('data-testid="notification"') == 25
    second = html_of(client.get(PAGE + "?page=2"))
    assert second.count('data-testid="notification"') == 5


def test_the_unread_filter(client, rep):
    note(rep, "unread one")
    note(rep, "read one", read=True)
    client.force_login(rep)
    html = html_of(client.get(PAGE + "?unread=1"))
    assert "unread one" in html and "read one" not in html.replace("unread one", "")


def test_opening_marks_read_and_follows_the_link(client, rep):
    notification = note(rep, link="/orders/42/")
    client.force_login(rep)
    response = client.post(f"{PAGE}{notification.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/orders/42/")
    notification.refresh_from_db()
    assert notification.read_at is not None
    first_read = notification.read_at
    client.post(f"{PAGE}{notification.pk}/open/")
    notification.refresh_from_db()
    assert notification.read_at == first_read  # read once, not again


def test_opening_needs_post(client, rep):
    notification = note(rep)
    client.force_login(rep)
    assert client.get(f"{PAGE}{notification.pk}/open/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("link", ["", "https://evil.example.com/", "//evil.example.com/x"])
def test_opening_without_a_safe_link_returns_to_the_list(client, rep, link):
    notification = note(rep, link=link)
    client.force_login(rep)
    response = client.post(f"{PAGE}{notification.pk}/open/")
    assert response["Location"] == PAGE


def test_someone_elses_notification_is_404_and_stays_unread(client, rep, other_rep):
    notification = note(other_rep)
    client.force_login(rep)
    assert client.post(f"{PAGE}{notification.pk}/open/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(client, rep, other_rep):
    note(rep)
    note(rep)
    theirs = note(other_rep)
    client.force_login(rep)
    response = client.post(f"{PAGE}read-all/", {"next": "/orders/"})
    assert (response.status_code, response["Location"]) == (302, "/orders/")
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.get(PAGE)
    assert bell_count(response) is None
    assert 'data-testid="mark-all-read"' not in html_of(response)


def test_mark_all_read_ignores_an_outside_next(client, rep):
    note(rep)
    client.force_login(rep)
    response = client.post(f"{PAGE}read-all/", {"next": "https://evil.example.com/"})
    assert response["Location"] == PAGE


def test_anonymous_visitors_are_sent_to_sign_in(client, rep):
    notification = note(rep)
    for response in [client.get(PAGE), client.post(f"{PAGE}{notification.pk}/open/")]:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_page_in_chinese(client, rep):
    note(rep, "订单 SO20261122001 待您审批")
    client.force_login(rep)
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html_of(response)
    assert "订单 SO20261122001 待您审批" in html_of(response)


# --- the API --------------------------------------------------------------------------------------


API = "/api/v1/notifications/"


def test_api_lists_own_notifications_newest_first(api, rep, other_rep):
    first = note(rep, "first")
    Notification.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    second = note(rep, "second", read=True)
    note(other_rep, "theirs")
    api.force_authenticate(rep)
    body = api.get(API).json()
    assert [(n["id"], n["is_read"]) for n in body["results"]] == [
        (second.pk, True),
        (first.pk, False),
    ]
    assert body["results"][1]["link"] == "/orders/1/"
    unread = api.get(API, {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [first.pk]


def test_api_list_query_count_is_fixed(api, rep, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        Notification(recipient=rep, subject=f"n{i}") for i in range(40)
    )
    api.force_authenticate(rep)
    with django_assert_max_num_queries(2):
        assert api.get(API).json()["count"] == 40


def test_api_mark_one_read(api, rep, other_rep):
    mine, theirs = note(rep), note(other_rep)
    api.force_authenticate(rep)
    response = api.post(f"{API}{mine.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    response = api.post(f"{API}{theirs.pk}/read/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_mark_all_read(api, rep, other_rep):
    note(rep)
    note(rep)
    note(rep, read=True)
    theirs = note(other_rep)
    api.force_authenticate(rep)
    response = api.post(f"{API}read-all/")
    assert response.json() == {"marked": 2, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_bad_filter_is_400(api):
    api.force_authenticate(UserFactory())
    response = api.get(API, {"unread": "perhaps"})
    assert response.status_code == 400
    assert "unread" in response.json()["extra"]["fields"]
