"""Production instruction pages: the list, one instruction, and production's actions on it
(start, report progress, finish after QC) — who may, and what bad input gets."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from fulfillment.enums import ProductionStatus
from fulfillment.models import ExecutionPlan, ProductionInstruction, ProductionReport, StockItem
from fulfillment.services.production import production_report, production_start
from orders.enums import OrderStatus as S
from orders.models import Order
from tests.factories import ProductFactory, UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

ROLES = [
    Role.SALES_REP,
    Role.SALES_HEAD,
    Role.FINANCE,
    Role.GM,
    Role.PRODUCTION,
    Role.WAREHOUSE,
    Role.ADMIN,
]
LIST_VIEWERS = {Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN}


@pytest.fixture
def instruction(rep, mto):
    order = approve_fully(order_of(rep, (mto, "2")))
    return ProductionInstruction.objects.get(order=order)


@pytest.fixture
def running(instruction, production):
    return production_start(instruction=instruction, actor=production)


def url(name, instruction):
    return reverse(f"fulfillment:{name}", args=[instruction.pk])


def snapshot(instruction):
    instruction = ProductionInstruction.objects.get(pk=instruction.pk)
    return (
        instruction.status,
        instruction.progress,
        instruction.qc_passed,
        instruction.order.status,
        ProductionReport.objects.filter(instruction=instruction).count(),
        StockItem.objects.count(),
    )


# --- who sees what -------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_list_matrix(client, role, instruction):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(reverse("fulfillment:production_list"))
    assert response.status_code == (200 if role in LIST_VIEWERS else 403)
    if response.status_code == 200:
        assert instruction.number in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_detail_matrix(client, role, instruction):
    """Whoever sees the order sees its instruction (its rep too); only production acts on it."""
    client.force_login(UserFactory(roles=[role]))
    response = client.get(url("production_detail", instruction))
    # A sales rep who is not the order's owner does not see it at all.
    assert response.status_code == (404 if role == Role.SALES_REP else 200)
    if response.status_code == 200:
        html = response.content.decode()
        assert instruction.order.number in html
        shows_actions = 'data-testid="production-actions"' in html
        assert shows_actions is (role == Role.PRODUCTION)


def test_owner_sees_the_instruction_but_not_the_actions(client, rep, instruction):
    client.force_login(rep)
    response = client.get(url("production_detail", instruction))
    assert response.status_code == 200
    assert 'data-testid="production-actions"' not in response.content.decode()


def test_other_rep_gets_404_on_the_detail(client, other_rep, instruction):
    client.force_login(other_rep)
    assert client.get(url("production_detail", instruction)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, instruction):
    for response in (
        client.get(reverse("fulfillment:production_list")),
        client.get(url("production_detail", instruction)),
        client.post(url("production_start", instruction)),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert ProductionInstruction.objects.get(pk=instruction.pk).status == ProductionStatus.ISSUED


@pytest.mark.parametrize(
    "role", [Role.SALES_HEAD, Role.FINANCE, Role.GM, Role.WAREHOUSE, Role.ADMIN, Role.SALES_REP]
)
@pytest.mark.parametrize(
    "action, data",
    [
        ("production_start", {}),
        ("production_report", {"progress": "40"}),
        ("production_finish", {"qc_passed": "on"}),
    ],
)
def test_only_production_acts(client, role, action, data, instruction, rep):
    user = rep if role == Role.SALES_REP else UserFactory(roles=[role])
    before = snapshot(instruction)
    client.force_login(user)
    response = client.post(url(action, instruction), data)
    assert response.status_code == 403
    assert snapshot(instruction) == before


# --- start, report, finish -----------------------------------------------------------------------
def test_start_from_the_page(client, production, instruction):
    client.force_login(production)
    response = client.post(url("production_start", instruction), {"note": "线体A"}, follow=True)
    assert response.redirect_chain[-1][0] == url("production_detail", instruction)
    instruction.refresh_from_db()
    assert instruction.status == ProductionStatus.IN_PROGRESS
    assert instruction.order.status == S.IN_PRODUCTION
    assert instruction.reports.get().note == "线体A"
    assert f"{instruction.number} started" in response.content.decode()


def test_start_twice_is_a_clear_message_and_changes_nothing(client, production, running):
    before = snapshot(running)
    client.force_login(production)
    response = client.post(url("production_start", running), {})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Start production was not done" in html
    assert "The production instruction is “In production”." in html
    assert snapshot(running) == before


def test_report_progress(client, production, running):
    client.force_login(production)
    response = client.post(url("production_report", running), {"progress": "45", "note": "过半"})
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.progress == 45
    assert list(running.reports.values_list("progress", "note")) == [(0, ""), (45, "过半")]


@pytest.mark.parametrize(
    "value, message",
    [
        ("150", "Enter a whole number from 0 to 100."),
        ("abc", "Enter a whole number from 0 to 100."),
        ("-1", "Enter a whole number from 0 to 100."),
        ("", "Enter a whole number from 0 to 100."),
        ("100", "Finish the instruction (with QC) to report 100 %."),
    ],
)
def test_bad_progress_is_shown_next_to_the_field_and_changes_nothing(
    client, production, running, value, message
):
    before = snapshot(running)
    client.force_login(production)
    response = client.post(url("production_report", running), {"progress": value})
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split('data-testid="progress-error">')[1].split("</div>")[0]
    assert error == message
    assert 'class="form-control is-invalid"' in html
    assert snapshot(running) == before


def test_report_before_start_is_a_clear_message(client, production, instruction):
    before = snapshot(instruction)
    client.force_login(production)
    response = client.post(url("production_report", instruction), {"progress": "10"})
    assert response.status_code == 409
    assert "The production instruction is “Issued”." in response.content.decode()
    assert snapshot(instruction) == before


def test_finish_without_qc_is_refused_and_changes_nothing(client, production, running):
    before = snapshot(running)
    client.force_login(production)
    response = client.post(url("production_finish", running), {"qc_note": "外观有划痕"})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.split('data-testid="qc-error">')[1].split("</div>")[0] == "Confirm that QC passed."
    assert snapshot(running) == before


def test_finish_with_qc_takes_the_goods_into_stock(client, production, running):
    client.force_login(production)
    response = client.post(
        url("production_finish", running), {"qc_passed": "on", "qc_note": "抽检合格"}, follow=True
    )
    running.refresh_from_db()
    assert running.status == ProductionStatus.FINISHED
    assert (running.progress, running.qc_passed, running.qc_note) == (100, True, "抽检合格")
    order = Order.objects.get(pk=running.order_id)
    assert order.status == S.READY_TO_SHIP
    assert ExecutionPlan.objects.get(order=order).actual_into_stock == timezone.localdate()
    html = response.content.decode()
    assert "now “Ready to ship”" in html
    assert 'data-testid="production-actions"' not in html  # nothing left to do


def test_finish_twice_is_a_clear_message(client, production, running):
    client.force_login(production)
    client.post(url("production_finish", running), {"qc_passed": "on"})
    before = snapshot(running)
    response = client.post(url("production_finish", running), {"qc_passed": "on"})
    assert response.status_code == 409
    assert "“Finished (into stock)”" in response.content.decode()
    assert snapshot(running) == before


def test_actions_are_post_only(client, production, instruction):
    client.force_login(production)
    assert client.get(url("production_start", instruction)).status_code == 405
    assert ProductionInstruction.objects.get(pk=instruction.pk).status == ProductionStatus.ISSUED


def test_unknown_instruction_is_404(client, production):
    client.force_login(production)
    assert client.get(reverse("fulfillment:production_detail", args=[999999])).status_code == 404
    response = client.post(reverse("fulfillment:production_start", args=[999999]))
    assert response.status_code == 404


# --- the detail page -----------------------------------------------------------------------------
def test_detail_shows_lines_reports_and_progress(client, production, running, mto):
    production_report(instruction=running, actor=production, progress=60, note="装配中")
    client.force_login(production)
    html = client.get(url("production_detail", running)).content.decode()
    assert mto.code in html
    assert "Make to order" in html
    assert '<progress class="flex-grow-1" value="60" max="100"' in html
    reports = html.split('data-testid="reports"')[1]
    assert "装配中" in reports and "60%" in reports
    assert 'style="' not in html  # CSP: no inline styles


def test_overdue_badge(client, production, running):
    ProductionInstruction.objects.filter(pk=running.pk).update(
        planned_finish=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(production)
    html = client.get(url("production_detail", running)).content.decode()
    assert 'data-testid="overdue-badge"' in html


# --- the list ------------------------------------------------------------------------------------
def _instructions(rep, n):
    made = []
    for _i in range(n):
        product = ProductFactory(supply_mode="mto", production_cycle_days=5)
        order = approve_fully(order_of(rep, (product, "1")))
        made.append(ProductionInstruction.objects.get(order=order))
    return made


def test_list_filters_by_status_and_overdue(client, rep, production):
    first, second, third = _instructions(rep, 3)
    production_start(instruction=second, actor=production)
    ProductionInstruction.objects.filter(pk=third.pk).update(
        planned_finish=timezone.localdate() - dt.timedelta(days=2)
    )
    client.force_login(production)
    base = reverse("fulfillment:production_list")

    def numbers(query):
        html = client.get(base + query).content.decode()
        table = html.split('data-testid="production-table"')[1].split("</table>")[0]
        return {i.number for i in (first, second, third) if i.number in table}

    assert numbers("") == {first.number, second.number, third.number}
    assert numbers("?status=in_progress") == {second.number}
    assert numbers("?status=issued") == {first.number, third.number}
    assert numbers("?overdue=on") == {third.number}
    assert numbers("?status=nonsense") == set()


def test_list_paginates_with_a_fixed_number_of_queries(
    client, rep, production, django_assert_max_num_queries
):
    _instructions(rep, 3)
    client.force_login(production)
    client.get(reverse("fulfillment:production_list"))  # warm caches
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("fulfillment:production_list"))
    _instructions(rep, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(reverse("fulfillment:production_list")).content.decode()
    assert "Page 1 of 2" in html
