"""The warehouse and production board: who sees it, what lands in which section, the inline
production actions (htmx), and a fixed number of queries however many orders there are."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from fulfillment.enums import DeviationKind, ProductionStatus
from fulfillment.models import ExecutionPlan, ProductionInstruction, ProductionReport
from fulfillment.selectors_board import board_get
from fulfillment.services import stock_receive
from fulfillment.services.deviations import deviation_create
from fulfillment.services.production import production_start
from fulfillment.services.risk import risk_request_create
from fulfillment.views.board import url_or_none
from orders.enums import OrderStatus as S
from orders.models import Order
from tests.factories import ProductFactory, UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

BOARD = "/fulfillment/"
VIEWERS = [Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN]
NOT_VIEWERS = [Role.SALES_REP, Role.FINANCE]
MONDAY = dt.date(2026, 11, 23)
# session, user, roles, notifications; ready orders; the shipping gate for all of them
# (fulfillment.gate: exposures, receivables, payments, approved risk requests = 5); week, overdue,
# deviations, production (rows, and a count when the rows fill the section); open lines,
# deviation counts, pending risk requests
BOARD_QUERIES = 21  # a plain working week (no holiday in it)


@pytest.fixture
def stocked(warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("1000"), actor=warehouse)
    return mts


def ready_order(rep, product, *, promised=None, planned_ship=None, **customer):
    order = approve_fully(order_of(rep, (product, "2"), **customer))
    assert order.status == S.READY_TO_SHIP
    return dated(order, promised=promised, planned_ship=planned_ship)


def dated(order, *, promised=None, planned_ship=None):
    Order.objects.filter(pk=order.pk).update(promised_date=promised)
    ExecutionPlan.objects.update_or_create(order=order, defaults={"planned_ship": planned_ship})
    return Order.objects.get(pk=order.pk)


def numbers(section):
    return [row.order.number for row in section.rows]


def htmx_post(client, url, data):
    return client.post(url, {**data, "origin": "board"}, HTTP_HX_REQUEST="true")


# --- who sees it ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role, status", [(r, 200) for r in VIEWERS] + [(r, 403) for r in NOT_VIEWERS]
)
def test_board_matrix(client, role, status):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(BOARD)
    assert response.status_code == status
    if status == 200:
        assert 'data-testid="board"' in response.content.decode()


@pytest.mark.parametrize(
    "role, status", [(r, 200) for r in VIEWERS] + [(r, 403) for r in NOT_VIEWERS]
)
def test_section_page_matrix(client, role, status):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("fulfillment:board_section", args=["overdue"])).status_code == (
        status
    )


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_navigation_shows_the_board_to_its_viewers(client, sales_head, finance):
    client.force_login(sales_head)
    assert f'href="{BOARD}"' in client.get("/").content.decode()
    client.force_login(finance)
    assert f'href="{BOARD}"' not in client.get("/").content.decode()


def test_unknown_section_is_404(client, warehouse):
    client.force_login(warehouse)
    assert client.get(reverse("fulfillment:board_section", args=["nope"])).status_code == 404


# --- what goes where -----------------------------------------------------------------------------
def test_sections(rep, production, warehouse, stocked, mto):
    today = MONDAY
    pick_promised = ready_order(rep, stocked, promised=today + dt.timedelta(days=1))
    pick_planned = ready_order(
        rep, stocked, promised=today + dt.timedelta(days=20), planned_ship=today
    )
    week = ready_order(rep, stocked, promised=today + dt.timedelta(days=4))
    later = ready_order(rep, stocked, promised=today + dt.timedelta(days=10))
    blocked = ready_order(
        rep, stocked, promised=today + dt.timedelta(days=10), settlement_method="prepayment"
    )
    late = approve_fully(order_of(rep, (mto, "1")))
    late = dated(late, promised=today - dt.timedelta(days=3))
    made = approve_fully(order_of(rep, (mto, "1")))
    instruction = ProductionInstruction.objects.get(order=made)
    production_start(instruction=instruction, actor=production)
    ProductionInstruction.objects.filter(pk=instruction.pk).update(
        planned_finish=today - dt.timedelta(days=1)
    )
    deviation_create(
        order=week,
        actor=warehouse,
        kind=DeviationKind.COMPLAINT,
        category="packing",
        title="外箱破损",
        description="客户反映",
        owner=rep,
    )
    risk_request_create(order=blocked, actor=rep, reason="老客户，月底付款")

    board = board_get(user=warehouse, today=today)
    s = board.sections

    assert numbers(s["pick_today"]) == [pick_promised.number, pick_planned.number]
    assert numbers(s["this_week"]) == [week.number]
    assert later.number not in numbers(s["this_week"])
    assert numbers(s["blocked"]) == [blocked.number]
    blocked_row = s["blocked"].rows[0]
    assert blocked_row.gate.blocked
    assert "Prepayment required" in blocked_row.gate.message
    assert blocked_row.risk_request is not None
    assert numbers(s["overdue"]) == [late.number]
    late_instruction = ProductionInstruction.objects.get(order=late)
    # earliest planned finish first: the one due yesterday, then the one just issued
    assert [r.instruction.pk for r in s["production"].rows] == [
        instruction.pk,
        late_instruction.pk,
    ]
    made_row = next(r for r in s["production"].rows if r.instruction.pk == instruction.pk)
    assert made_row.overdue is True
    assert numbers(s["deviations"]) == [week.number]
    week_row = s["this_week"].rows[0]
    assert (week_row.complaints, week_row.deviations) == (1, 0)
    assert [(line.code, line.quantity) for line in week_row.open_lines] == [
        (stocked.code, Decimal("2.000"))
    ]
    counts = {key: section.count for key, section in s.items()}
    assert counts == {
        "pick_today": 2,
        "this_week": 1,
        "blocked": 1,
        "overdue": 1,
        "production": 2,
        "deviations": 1,
    }


def test_shipped_and_delivered_orders_are_not_overdue(rep, warehouse, stocked):
    order = ready_order(rep, stocked, promised=MONDAY - dt.timedelta(days=5))
    assert numbers(board_get(user=warehouse, today=MONDAY).sections["overdue"]) == [order.number]
    Order.objects.filter(pk=order.pk).update(status=S.SHIPPED)
    assert board_get(user=warehouse, today=MONDAY).sections["overdue"].count == 0


def test_the_page_shows_counts_rows_and_reasons(client, rep, warehouse, stocked):
    today = timezone.localdate()
    ready = ready_order(rep, stocked, promised=today)
    blocked = ready_order(rep, stocked, promised=today, settlement_method="prepayment")
    client.force_login(warehouse)
    html = client.get(BOARD).content.decode()
    assert 'data-testid="count-pick_today" data-count="2"' in html
    assert 'data-testid="count-blocked" data-count="1"' in html
    blocked_section = html.split('data-testid="section-blocked"')[1].split("</section>")[0]
    assert blocked.number in blocked_section and ready.number not in blocked_section
    assert "Prepayment required" in blocked_section
    assert 'data-testid="risk-none"' in blocked_section
    pick = html.split('data-testid="section-pick_today"')[1].split("</section>")[0]
    ship_url = url_or_none("fulfillment:shipment_create", ready.pk)
    if ship_url:  # the shipment form exists: a Ship link on rows the gate lets through
        assert f'href="{ship_url}"' in pick
        assert url_or_none("fulfillment:shipment_create", blocked.pk) not in pick
    assert 'style="' not in html


def test_ship_link_only_for_the_warehouse(client, rep, production, stocked):
    ready_order(rep, stocked, promised=timezone.localdate())
    client.force_login(production)
    assert 'data-action="ship"' not in client.get(BOARD).content.decode()


def test_sections_are_limited_with_a_more_link(client, rep, warehouse, stocked):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for _i in range(22):
        ready_order(rep, stocked, promised=yesterday)
    client.force_login(warehouse)
    html = client.get(BOARD).content.decode()
    overdue = html.split('data-testid="section-overdue"')[1].split("</section>")[0]
    assert overdue.count('data-testid="board-row"') == 20
    more = reverse("fulfillment:board_section", args=["overdue"])
    assert f'href="{more}"' in overdue and "2 more" in overdue
    page = client.get(more + "?page=1").content.decode()
    assert page.count('data-testid="board-row"') == 22
    assert "Page" not in page.split('data-testid="section-overdue"')[1]


# --- inline production actions (htmx) ------------------------------------------------------------
@pytest.fixture
def instruction(rep, mto):
    order = approve_fully(order_of(rep, (mto, "3")))
    return ProductionInstruction.objects.get(order=order)


def test_start_report_and_finish_from_the_board(client, production, instruction):
    client.force_login(production)
    html = client.get(BOARD).content.decode()
    assert 'data-action="start"' in html

    response = htmx_post(client, reverse("fulfillment:production_start", args=[instruction.pk]), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board-content"')
    assert f"{instruction.number} started" in html
    assert 'data-action="report"' in html and 'data-action="finish"' in html

    response = htmx_post(
        client,
        reverse("fulfillment:production_report", args=[instruction.pk]),
        {"progress": "70", "note": ""},
    )
    assert "progress 70 % reported" in response.content.decode()
    assert ProductionInstruction.objects.get(pk=instruction.pk).progress == 70

    response = htmx_post(
        client,
        reverse("fulfillment:production_finish", args=[instruction.pk]),
        {"qc_passed": "on", "qc_note": "合格"},
    )
    html = response.content.decode()
    assert "now “Ready to ship”" in html
    assert Order.objects.get(pk=instruction.order_id).status == S.READY_TO_SHIP
    production = html.split('data-testid="section-production"')[1].split("</section>")[0]
    assert instruction.number not in production


@pytest.mark.parametrize(
    "action, data, message",
    [
        ("production_report", {"progress": "150"}, "Enter a whole number from 0 to 100."),
        ("production_report", {"progress": "abc"}, "Enter a whole number from 0 to 100."),
        ("production_finish", {"qc_note": "x"}, "Confirm that QC passed."),
        ("production_start", {}, "The production instruction is “In production”."),
    ],
)
def test_bad_input_on_the_board_is_a_message_and_changes_nothing(
    client, production, instruction, action, data, message
):
    running = production_start(instruction=instruction, actor=production)
    before = (running.status, running.progress, ProductionReport.objects.count())
    client.force_login(production)
    response = htmx_post(client, reverse(f"fulfillment:{action}", args=[running.pk]), data)
    assert response.status_code == 200  # htmx swaps it in: the board with the message
    html = response.content.decode()
    assert "alert-danger" in html and message in html
    running.refresh_from_db()
    assert (running.status, running.progress, ProductionReport.objects.count()) == before
    assert running.status == ProductionStatus.IN_PROGRESS


def test_without_htmx_the_board_action_redirects_back(client, production, instruction):
    client.force_login(production)
    response = client.post(
        reverse("fulfillment:production_start", args=[instruction.pk]), {"origin": "board"}
    )
    assert response.status_code == 302 and response.url == BOARD


def test_warehouse_sees_no_production_actions_and_may_not_post(client, warehouse, instruction):
    client.force_login(warehouse)
    assert 'data-testid="production-actions"' not in client.get(BOARD).content.decode()
    response = htmx_post(client, reverse("fulfillment:production_start", args=[instruction.pk]), {})
    assert response.status_code == 403
    assert ProductionInstruction.objects.get(pk=instruction.pk).status == ProductionStatus.ISSUED


def test_refresh_returns_the_board_body(client, warehouse):
    client.force_login(warehouse)
    response = client.get(BOARD, HTTP_HX_REQUEST="true")
    assert response.content.decode().lstrip().startswith('<div id="board-content"')


# --- queries -------------------------------------------------------------------------------------
def _load(rep, stocked, mto, n):
    """n orders of every kind the board shows."""
    today = timezone.localdate()
    for i in range(n):
        ready_order(rep, stocked, promised=today)
        ready_order(rep, stocked, promised=today, settlement_method="prepayment")
        ready_order(rep, stocked, promised=today + dt.timedelta(days=(6 - today.weekday())))
        order = approve_fully(order_of(rep, (mto, "1"), (ProductFactory(), "1")))
        dated(order, promised=today - dt.timedelta(days=1 + i % 3))
        deviation_create(
            order=order,
            actor=rep,
            kind=DeviationKind.DEVIATION,
            category="delay",
            title="延期",
            description="-",
            owner=rep,
        )


def test_board_query_count_does_not_grow(
    client, rep, warehouse, stocked, mto, django_assert_max_num_queries
):
    _load(rep, stocked, mto, 5)
    client.force_login(warehouse)
    client.get(BOARD)  # warm caches (calendar, content types, session)
    # Sections fuller than the rows shown add their count query: the bound covers both.
    with django_assert_max_num_queries(BOARD_QUERIES):
        assert client.get(BOARD).status_code == 200
    _load(rep, stocked, mto, 25)
    with django_assert_max_num_queries(BOARD_QUERIES):
        html = client.get(BOARD).content.decode()
    assert 'data-testid="count-blocked" data-count="30"' in html
    assert 'data-testid="count-overdue" data-count="30"' in html


@pytest.mark.parametrize("key", ["pick_today", "blocked", "overdue", "production", "deviations"])
def test_section_pages_query_count_does_not_grow(
    client, rep, warehouse, stocked, mto, key, django_assert_max_num_queries
):
    _load(rep, stocked, mto, 2)
    url = reverse("fulfillment:board_section", args=[key])
    client.force_login(warehouse)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    _load(rep, stocked, mto, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
