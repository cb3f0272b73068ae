"""Deviation report and complaint pages (偏差处理报告 / 投诉): raise, list, work on, resolve,
close — who sees and does what, and bad input that changes nothing."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.enums import DeviationStatus
from fulfillment.models import Deviation
from fulfillment.services.deviations import deviation_create, deviation_update
from orders.tests.helpers import draft_order
from tests.factories import UserFactory

from .conftest import role_matrix, user

pytestmark = pytest.mark.django_db
D = DeviationStatus


@pytest.fixture
def order(rep):
    return draft_order(rep)


@pytest.fixture
def report(order, warehouse):
    return deviation_create(
        order=order,
        actor=warehouse,
        kind="deviation",
        category="packing",
        title="木箱破损",
        description="运输途中木箱破损一处",
        owner=warehouse,
    )


def create_url(order):
    return reverse("fulfillment:deviation_create", args=[order.pk])


def detail_url(report):
    return reverse("fulfillment:deviation_detail", args=[report.pk])


def valid(**overrides):
    data = {
        "kind": "complaint",
        "category": "delay",
        "severity": "normal",
        "title": "交货延迟",
        "description": "客户来电投诉延迟三天",
        "cause": "",
        "owner": "",
    }
    data.update(overrides)
    return data


# --- raising -------------------------------------------------------------------------------------
@role_matrix(200, other_rep=404)
def test_create_matrix(client, request, order, rep, who, status):
    client.force_login(user(request, who))
    assert client.get(create_url(order)).status_code == status
    response = client.post(create_url(order), valid(owner=rep.pk))
    assert response.status_code == (302 if status == 200 else status)
    assert Deviation.objects.exists() is (status == 200)


def test_user_without_a_role_may_not_raise(client, order):
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get(create_url(order)).status_code == 404  # cannot even see the order


def test_create_defaults_the_owner_to_the_orders_rep(client, warehouse, rep, order):
    client.force_login(warehouse)
    html = client.get(create_url(order)).content.decode()
    assert f'<option value="{rep.pk}" selected>' in html


def test_create_records_the_report(client, warehouse, rep, order):
    client.force_login(warehouse)
    response = client.post(create_url(order), valid(owner=rep.pk, severity="serious"))
    report = Deviation.objects.get()
    assert response["Location"] == detail_url(report)
    assert (report.kind, report.category, report.severity, report.owner, report.raised_by) == (
        "complaint",
        "delay",
        "serious",
        rep,
        warehouse,
    )
    assert report.number.startswith("DV")
    page = client.get(detail_url(report)).content.decode()
    assert "交货延迟" in page and "客户来电投诉延迟三天" in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"kind": ""}, "kind", "Choose a value from the list."),
        ({"category": "weather"}, "category", "Select a valid choice."),
        ({"title": "  "}, "title", "This field is required."),
        ({"description": ""}, "description", "This field is required."),
        ({"title": "x" * 151}, "title", "at most 150 characters"),
        ({"owner": ""}, "owner", "Choose the person responsible."),
        ({"owner": "999999"}, "owner", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    client, warehouse, rep, order, change, field, message
):
    client.force_login(warehouse)
    data = valid(owner=rep.pk)
    data.update(change)
    response = client.post(create_url(order), data)
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'data-testid="error-{field}"')[1].split("</div></div>")[0]
    assert message in error
    assert not Deviation.objects.exists()


# --- seeing --------------------------------------------------------------------------------------
@role_matrix(200, other_rep=404)
def test_detail_matrix(client, request, report, who, status):
    client.force_login(user(request, who))
    assert client.get(detail_url(report)).status_code == status


def numbers(response):
    return re.findall(r">(DV\d{11})</a>", response.content.decode())


def test_list_is_scoped_and_filtered(client, rep, other_rep, warehouse, report):
    theirs = deviation_create(
        order=draft_order(other_rep),
        actor=other_rep,
        kind="complaint",
        category="quality",
        title="质量问题",
        description="泵体砂眼",
        owner=other_rep,
    )
    url = reverse("fulfillment:deviation_list")
    client.force_login(rep)
    assert numbers(client.get(url)) == [report.number]
    client.force_login(other_rep)
    assert numbers(client.get(url)) == [theirs.number]
    client.force_login(warehouse)
    assert numbers(client.get(url)) == [theirs.number, report.number]
    assert numbers(client.get(url, {"kind": "complaint"})) == [theirs.number]
    assert numbers(client.get(url, {"q": "木箱"})) == [report.number]
    assert numbers(client.get(url, {"q": theirs.order.number})) == [theirs.number]
    assert numbers(client.get(url, {"order": report.order_id})) == [report.number]
    deviation_update(deviation=theirs, actor=other_rep, status=D.RESOLVED, resolution="更换")
    assert numbers(client.get(url, {"open": "on"})) == [report.number]
    assert numbers(client.get(url, {"status": "resolved"})) == [theirs.number]
    response = client.get(url, {"kind": "nonsense", "order": "x", "page": "abc"})
    assert response.status_code == 200 and numbers(response) == []


def test_list_query_count_does_not_grow_with_rows(client, warehouse, rep, order):
    url = reverse("fulfillment:deviation_list") + "?page_size=50"
    client.force_login(warehouse)

    def make(n):
        for i in range(n):
            deviation_create(
                order=order,
                actor=warehouse,
                kind="deviation",
                category="other",
                title=f"偏差{i}",
                description="说明",
                owner=rep,
            )

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), len(numbers(response))

    make(5)
    few, rows = count()
    assert rows == 5
    make(25)
    many, rows = count()
    assert rows == 30
    assert many == few


# --- working on it ---------------------------------------------------------------------------
def update(client, report, **data):
    return client.post(detail_url(report), data)


def test_owner_moves_it_on_and_resolves_it(client, warehouse, report):
    client.force_login(warehouse)
    page = client.get(detail_url(report)).content.decode()
    assert 'data-testid="deviation-update"' in page
    response = update(client, report, status=D.IN_PROGRESS, cause="装车未加固")
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.cause) == (D.IN_PROGRESS, "装车未加固")
    update(client, report, status=D.RESOLVED, cause="装车未加固", resolution="补发新箱")
    report.refresh_from_db()
    assert (report.status, report.resolution) == (D.RESOLVED, "补发新箱")
    assert report.resolved_at is not None


def test_resolving_without_a_resolution_changes_nothing(client, warehouse, report):
    client.force_login(warehouse)
    response = update(client, report, status=D.RESOLVED, cause="原因", resolution="")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-resolution"' in html and "Write down the resolution." in html
    report.refresh_from_db()
    assert (report.status, report.cause, report.resolved_at) == (D.OPEN, "", None)


def test_a_move_the_report_cannot_make_is_a_form_error(client, warehouse, report):
    client.force_login(warehouse)
    response = update(client, report, status=D.CLOSED)
    assert response.status_code == 400
    assert 'data-testid="error-status"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == D.OPEN


def test_hand_over_to_someone_else(client, warehouse, production, report):
    client.force_login(warehouse)
    update(client, report, status=D.OPEN, owner=production.pk, cause="", resolution="")
    report.refresh_from_db()
    assert report.owner == production


def test_manager_closes_and_a_closed_report_has_no_form(client, sales_head, warehouse, report):
    deviation_update(deviation=report, actor=warehouse, status=D.RESOLVED, resolution="补发")
    client.force_login(sales_head)
    response = update(client, report, status=D.CLOSED, resolution="补发")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == D.CLOSED
    page = client.get(detail_url(report)).content.decode()
    assert 'data-testid="deviation-update"' not in page
    again = client.post(detail_url(report), {"status": D.IN_PROGRESS}, follow=True)
    assert "This report is closed." in again.content.decode()
    report.refresh_from_db()
    assert report.status == D.CLOSED


@pytest.mark.parametrize("who", ["rep", "finance", "production"])
def test_who_may_not_work_on_it_sees_no_form_and_gets_403(client, request, report, who):
    client.force_login(user(request, who))
    assert 'data-testid="deviation-update"' not in client.get(detail_url(report)).content.decode()
    response = update(client, report, status=D.IN_PROGRESS, cause="x")
    assert response.status_code == 403
    report.refresh_from_db()
    assert (report.status, report.cause) == (D.OPEN, "")


def test_other_rep_cannot_post_an_update(client, other_rep, report):
    client.force_login(other_rep)
    assert update(client, report, status=D.IN_PROGRESS).status_code == 404
