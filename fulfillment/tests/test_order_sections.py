"""The fulfillment sections of the order page: production, execution plan, shipments, the
shipping gate, deviations — shown when the status makes them relevant, in a fixed number of
queries; the plan's actual dates recorded from there; Ship opens the shipment form."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from fulfillment.enums import DeviationKind
from fulfillment.models import ExecutionPlan, ProductionInstruction
from fulfillment.services import stock_receive
from fulfillment.services.deviations import deviation_create, deviation_update
from fulfillment.services.production import production_start
from fulfillment.services.risk import risk_request_create
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.views.board import url_or_none
from orders import services
from orders.models import Order
from orders.tests.helpers import draft_order
from tests.factories import UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

SECTION = re.compile(r'data-testid="section-(\w+)"')


def page(client, order) -> str:
    response = client.get(reverse("orders:detail", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def sections(html) -> list[str]:
    return SECTION.findall(html)


def section(html, name) -> str:
    return html.split(f'data-testid="section-{name}"')[1].split("</section>")[0]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def made(rep, mto):
    """Approved, waiting for production."""
    return approve_fully(order_of(rep, (mto, "2")))


@pytest.fixture
def ready(rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("100"), actor=warehouse)
    return approve_fully(order_of(rep, (mts, "5")))


def pdf():
    return SimpleUploadedFile("r.pdf", b"%PDF-1.4 signed", content_type="application/pdf")


# --- which sections ------------------------------------------------------------------------------
def test_no_sections_before_approval(client, rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    client.force_login(sales_head)
    html = page(client, order)
    assert sections(html) == []
    assert 'data-testid="order-sections"' not in html


def test_approved_order_waiting_for_production(client, rep, production, made):
    instruction = ProductionInstruction.objects.get(order=made)
    client.force_login(production)
    html = page(client, made)
    assert sections(html) == ["production", "gate", "plan", "deviations"]
    block = section(html, "production")
    assert instruction.number in block
    assert reverse("fulfillment:production_detail", args=[instruction.pk]) in block
    assert "Issued" in block and 'value="0" max="100"' in block
    assert 'data-blocked="0"' in section(html, "gate")


def test_ready_order_shows_shipments_with_the_ship_link(client, warehouse, ready):
    client.force_login(warehouse)
    html = page(client, ready)
    assert sections(html) == ["gate", "plan", "shipments", "deviations"]
    ship_url = reverse("fulfillment:shipment_create", args=[ready.pk])
    assert f'href="{ship_url}"' in section(html, "shipments")
    assert "Nothing shipped yet." in section(html, "shipments")


def test_shipments_list_with_receipt_status(client, rep, warehouse, ready, media):
    line = ready.lines.get()
    first = shipment_create(
        order=ready,
        actor=warehouse,
        quantities={line.pk: "2"},
        carrier="顺丰速运",
        transport_mode="express",
        tracking_number="SF1234567890",
        customer_consent="王经理电话同意",
    )
    second = shipment_create(
        order=Order.objects.get(pk=ready.pk),
        actor=warehouse,
        carrier="德邦物流",
        transport_mode="road",
    )
    delivery_receipt_add(
        shipment=first, actor=warehouse, file=pdf(), signer="王五", signed_on=timezone.localdate()
    )
    client.force_login(rep)
    html = page(client, ready)
    block = section(html, "shipments")
    assert "gate" not in sections(html)  # fully shipped: nothing left to gate
    for text in (first.number, second.number, "顺丰速运", "SF1234567890", "德邦物流", "王五"):
        assert text in block
    assert block.count('data-testid="receipt-signed"') == 1
    assert block.count('data-testid="receipt-missing"') == 1
    assert reverse("fulfillment:shipment_detail", args=[first.pk]) in block
    assert reverse("fulfillment:shipment_note", args=[second.pk]) in block
    upload = reverse("fulfillment:receipt_upload", args=[second.pk])
    assert upload in block  # the rep may upload the missing receipt
    assert reverse("fulfillment:receipt_upload", args=[first.pk]) not in block
    assert 'data-action="ship"' not in block


def test_blocked_gate_says_why_and_offers_the_risk_request(client, rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "1"), settlement_method="prepayment"))
    client.force_login(rep)
    block = section(page(client, order), "gate")
    assert 'data-blocked="1"' in block
    assert "Prepayment required" in block
    assert reverse("fulfillment:risk_create", args=[order.pk]) in block

    request = risk_request_create(order=order, actor=rep, reason="老客户")
    block = section(page(client, order), "gate")
    assert "Waiting for finance" in block
    assert reverse("fulfillment:risk_detail", args=[request.pk]) in block
    assert reverse("fulfillment:risk_create", args=[order.pk]) not in block


def test_warehouse_may_not_request_a_risk_shipment(client, rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "1"), settlement_method="prepayment"))
    client.force_login(warehouse)
    block = section(page(client, order), "gate")
    assert 'data-blocked="1"' in block
    assert 'data-action="risk-create"' not in block


def test_open_deviations_with_owner_and_links(client, rep, warehouse, sales_head, made):
    open_one = deviation_create(
        order=made,
        actor=warehouse,
        kind=DeviationKind.COMPLAINT,
        category="quality",
        title="表面划痕",
        description="客户投诉",
        owner=sales_head,
    )
    closed = deviation_create(
        order=made,
        actor=warehouse,
        kind=DeviationKind.DEVIATION,
        category="delay",
        title="延期两天",
        description="-",
        owner=warehouse,
    )
    deviation_update(deviation=closed, actor=warehouse, status="resolved", resolution="已补发")
    client.force_login(rep)
    block = section(page(client, made), "deviations")
    assert "表面划痕" in block and "延期两天" not in block
    assert 'data-testid="open-deviations">1<' in block
    assert "1 resolved or closed" in block
    assert reverse("fulfillment:deviation_detail", args=[open_one.pk]) in block
    assert reverse("fulfillment:deviation_create", args=[made.pk]) in block


def test_plan_table_marks_late_milestones(client, rep, production, made):
    today = timezone.localdate()
    ExecutionPlan.objects.filter(order=made).update(
        planned_survey=today - dt.timedelta(days=3), actual_survey=None
    )
    client.force_login(production)
    block = section(page(client, made), "plan")
    survey = block.split('data-milestone="survey"')[1].split("</tr>")[0]
    assert "3 days late" in survey
    assert 'data-testid="plan-actual-form"' in block


# --- the Ship action -----------------------------------------------------------------------------
def test_ship_is_a_link_to_the_shipment_form(client, warehouse, ready):
    client.force_login(warehouse)
    html = page(client, ready)
    actions = html.split('data-testid="order-actions"')[1].split('data-testid="order-lines"')[0]
    ship_url = url_or_none("fulfillment:shipment_create", ready.pk)
    assert ship_url is not None
    assert f'<a class="btn btn-primary" href="{ship_url}" data-transition="ship">' in actions
    assert 'id="transition-ship"' not in html  # the old quantities dialog is gone
    assert 'name="qty_' not in html


# --- recording actual dates ----------------------------------------------------------------------
def plan_url(order):
    return reverse("fulfillment:plan_actual", args=[order.pk])


def test_record_actual_survey(client, rep, made):
    today = timezone.localdate()
    client.force_login(rep)
    response = client.post(
        plan_url(made), {"milestone": "survey", "day": today.isoformat()}, follow=True
    )
    assert response.redirect_chain[-1][0].endswith(f"/orders/{made.pk}/#execution-plan")
    assert ExecutionPlan.objects.get(order=made).actual_survey == today
    assert "Actual date recorded" in response.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"milestone": "survey", "day": "2026-13-40"}, "Enter the date as YYYY-MM-DD."),
        ({"milestone": "survey", "day": ""}, "This field is required."),
        ({"milestone": "ship", "day": "2026-01-05"}, "Choose survey, installation or acceptance."),
        ({"milestone": "installation", "day": "2999-01-01"}, "cannot be in the future"),
    ],
)
def test_bad_actual_date_is_a_message_and_changes_nothing(client, rep, made, data, message):
    before = ExecutionPlan.objects.filter(order=made).values().get()
    client.force_login(rep)
    response = client.post(plan_url(made), data, follow=True)
    html = response.content.decode()
    assert "The actual date was not recorded" in html and message in html
    assert ExecutionPlan.objects.filter(order=made).values().get() == before


@pytest.mark.parametrize("role", [Role.FINANCE, Role.GM])
def test_plan_actual_matrix(client, role, made):
    client.force_login(UserFactory(roles=[role]))
    day = timezone.localdate().isoformat()
    assert client.post(plan_url(made), {"milestone": "survey", "day": day}).status_code == 403
    assert ExecutionPlan.objects.get(order=made).actual_survey is None


def test_other_rep_gets_404(client, other_rep, made):
    client.force_login(other_rep)
    day = timezone.localdate().isoformat()
    assert client.post(plan_url(made), {"milestone": "survey", "day": day}).status_code == 404


def test_finance_sees_the_plan_without_the_form(client, finance, made):
    client.force_login(finance)
    block = section(page(client, made), "plan")
    assert 'data-testid="plan-actual-form"' not in block


# --- queries -------------------------------------------------------------------------------------
def test_order_page_query_count_does_not_grow_with_shipments_and_deviations(
    client, rep, warehouse, mts, media, django_assert_max_num_queries
):
    stock_receive(product=mts, quantity=Decimal("100"), actor=warehouse)
    small = approve_fully(order_of(rep, (mts, "10")))
    big = approve_fully(order_of(rep, (mts, "10"), (mts, "10")))
    shipment_create(
        order=small,
        actor=warehouse,
        quantities={small.lines.get().pk: "1"},
        carrier="A",
        customer_consent="ok",
    )
    for line in big.lines.all():
        for _i in range(3):
            shipment = shipment_create(
                order=Order.objects.get(pk=big.pk),
                actor=warehouse,
                quantities={line.pk: "1"},
                carrier="A",
                customer_consent="ok",
            )
            delivery_receipt_add(
                shipment=shipment,
                actor=warehouse,
                file=pdf(),
                signer="x",
                signed_on=timezone.localdate(),
            )
    for _i in range(4):
        deviation_create(
            order=big,
            actor=warehouse,
            kind="deviation",
            category="other",
            title="t",
            description="d",
            owner=rep,
        )
    client.force_login(warehouse)
    page(client, small)  # warm caches
    with django_assert_max_num_queries(60) as baseline:
        page(client, small)
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        html = page(client, big)
    assert html.count("data-shipment=") == 6


def test_sections_add_a_fixed_number_of_queries(rep, warehouse, production, made, rf):
    """The provider alone: its queries for an order in production."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fulfillment.gate import gate_for
    from fulfillment.views.sections import order_sections

    production_start(instruction=ProductionInstruction.objects.get(order=made), actor=production)
    made = Order.objects.select_related("customer").get(pk=made.pk)  # as the order page has it
    request = rf.get("/")
    request.user = production
    order_sections(request, made)  # warm
    with CaptureQueriesContext(connection) as gate_queries:
        gate_for(made)
    with CaptureQueriesContext(connection) as queries:
        built = order_sections(request, made)
    assert [s["template"].rsplit("/", 1)[1] for s in built] == [
        "production.html",
        "gate.html",
        "plan.html",
        "deviations.html",
    ]
    # the gate's own (fulfillment.gate), plus instructions, latest risk request, plan, deviations
    assert len(queries) == len(gate_queries) + 4, "\n".join(
        q["sql"][:150] for q in queries.captured_queries
    )
