"""The fulfillment admin: every page opens on real data in a fixed number of queries; numbers,
statuses and quantities stay read-only (the services write them); the standard cycles are
configured here."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from fulfillment.enums import (
    CycleKey,
    DeviationCategory,
    DeviationKind,
    DeviationStatus,
    ProductionStatus,
    ShipmentStatus,
)
from fulfillment.models import (
    DeliveryReceipt,
    Deviation,
    ExecutionPlan,
    ProductionInstruction,
    RiskShipmentRequest,
    Shipment,
    StandardCycle,
)
from fulfillment.services import stock_receive
from fulfillment.services.deviations import deviation_create
from fulfillment.services.production import production_report, production_start
from fulfillment.services.risk import risk_request_create, risk_request_decide
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from tests.factories import UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

SERVICE_WRITTEN = [
    ProductionInstruction,
    Shipment,
    DeliveryReceipt,
    RiskShipmentRequest,
    Deviation,
    ExecutionPlan,
]
MODELS = [*SERVICE_WRITTEN, StandardCycle]


def url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def flow(rep, warehouse, production, mts, mto, n=1):
    """`n` orders: one in production, one shipped and signed for, with a risk request and a
    deviation each."""
    finance, gm = UserFactory(roles=[Role.FINANCE]), UserFactory(roles=[Role.GM])
    for _ in range(n):
        stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
        running = approve_fully(order_of(rep, (mts, "1"), (mto, "2")))
        instruction = ProductionInstruction.objects.get(order=running)
        production_start(instruction=instruction, actor=production)
        production_report(instruction=instruction, actor=production, progress=30, note="装配中")

        shipped = approve_fully(order_of(rep, (mts, "4"), settlement_method="prepayment"))
        request = risk_request_create(order=shipped, actor=rep, reason="客户承诺到货付款")
        request = risk_request_decide(request=request, actor=finance, decision="approve")
        risk_request_decide(request=request, actor=gm, decision="approve")
        shipment = shipment_create(
            order=shipped,
            actor=warehouse,
            quantities=None,
            carrier="德邦物流",
            tracking_number="DPK000000000001",
        )
        delivery_receipt_add(
            shipment=shipment,
            actor=warehouse,
            file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 signed"),
            signer="王经理",
            signed_on=timezone.localdate(),
        )
        deviation_create(
            order=shipped,
            actor=rep,
            kind=DeviationKind.COMPLAINT,
            category=DeviationCategory.QUALITY,
            title="泵体漆面划伤",
            description="客户反映漆面有划痕。",
            owner=warehouse,
        )


def change_form_data(response) -> dict:
    """What the browser would post back unchanged: the editable fields and the inlines'
    management forms."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


@pytest.fixture
def data(rep, warehouse, production, mts, mto):
    flow(rep, warehouse, production, mts, mto)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_search_and_change_pages_open(client, admin_user, data, model):
    client.force_login(admin_user)

    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "changelist") + "?q=SO").status_code == 200
    instance = model.objects.first()
    assert instance is not None
    response = client.get(url(model, "change", instance.pk))
    assert response.status_code == 200


def test_changelist_query_count_does_not_grow(
    client, admin_user, rep, warehouse, production, mts, mto, django_assert_max_num_queries
):
    client.force_login(admin_user)
    flow(rep, warehouse, production, mts, mto, n=1)
    counts = {}
    for model in MODELS:
        with django_assert_max_num_queries(12) as few:
            assert client.get(url(model, "changelist")).status_code == 200
        counts[model] = len(few.captured_queries)
    flow(rep, warehouse, production, mts, mto, n=2)
    for model in MODELS:
        with django_assert_max_num_queries(counts[model]):
            assert client.get(url(model, "changelist")).status_code == 200


@pytest.mark.parametrize(
    "model, query",
    [
        (ProductionInstruction, "?status=in_progress&qc_passed__isnull=True"),
        (Shipment, "?status=delivered&transport_mode=road"),
        (DeliveryReceipt, "?packing_ok__exact=1"),
        (RiskShipmentRequest, "?status=approved"),
        (Deviation, "?kind=complaint&category=quality&severity=normal&status=open"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_filters_find_the_rows(client, admin_user, data, model, query):
    client.force_login(admin_user)
    response = client.get(url(model, "changelist") + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", SERVICE_WRITTEN, ids=lambda m: m.__name__)
def test_nothing_is_added_or_deleted_by_hand(client, admin_user, data, model):
    client.force_login(admin_user)
    instance = model.objects.first()

    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "delete", instance.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=instance.pk).exists()


def test_shipment_carrier_may_be_corrected_but_not_its_status_or_date(client, admin_user, data):
    client.force_login(admin_user)
    shipment = Shipment.objects.get()
    change = url(Shipment, "change", shipment.pk)
    posted = change_form_data(client.get(change))
    assert "status" not in posted and "shipped_on" not in posted and "number" not in posted

    posted.update(
        carrier="顺丰速运",
        tracking_number="SF1234567890123",
        status=ShipmentStatus.SHIPPED,
        shipped_on="2020-01-01",
        number="SH-HACKED",
    )
    response = client.post(change, posted)

    assert response.status_code == 302, response.context and response.context["errors"]
    after = Shipment.objects.get(pk=shipment.pk)
    assert (after.carrier, after.tracking_number) == ("顺丰速运", "SF1234567890123")
    assert (after.status, after.shipped_on, after.number) == (
        ShipmentStatus.DELIVERED,
        shipment.shipped_on,
        shipment.number,
    )


def test_instruction_status_and_progress_stay_with_the_services(client, admin_user, data):
    client.force_login(admin_user)
    instruction = ProductionInstruction.objects.get()
    change = url(ProductionInstruction, "change", instruction.pk)
    posted = change_form_data(client.get(change))

    posted.update(status=ProductionStatus.FINISHED, progress="100", remarks="加急")
    response = client.post(change, posted)

    assert response.status_code == 302
    after = ProductionInstruction.objects.get(pk=instruction.pk)
    assert (after.status, after.progress, after.remarks) == (
        ProductionStatus.IN_PROGRESS,
        30,
        "加急",
    )
    page = client.get(change).content.decode()
    assert "装配中" in page  # the progress reports, read-only


def test_deviation_status_stays_with_the_services(client, admin_user, data):
    client.force_login(admin_user)
    deviation = Deviation.objects.get()
    change = url(Deviation, "change", deviation.pk)
    posted = change_form_data(client.get(change))

    posted.update(status=DeviationStatus.CLOSED, title="泵体漆面划伤（两台）")
    assert client.post(change, posted).status_code == 302

    after = Deviation.objects.get(pk=deviation.pk)
    assert (after.status, after.title) == (DeviationStatus.OPEN, "泵体漆面划伤（两台）")


def test_risk_request_and_receipt_are_view_only(client, admin_user, data):
    client.force_login(admin_user)
    request = RiskShipmentRequest.objects.get()
    page = client.get(url(RiskShipmentRequest, "change", request.pk)).content.decode()
    assert "客户承诺到货付款" in page
    assert 'name="_save"' not in page
    receipt = DeliveryReceipt.objects.get()
    page = client.get(url(DeliveryReceipt, "change", receipt.pk)).content.decode()
    assert "王经理" in page and 'name="_save"' not in page
    # the file only through the download view, which checks who may see it
    download = reverse("fulfillment:receipt_download", args=[receipt.shipment_id])
    assert f'href="{download}"' in page and "/media/" not in page
    page = client.get(url(Shipment, "change", receipt.shipment_id)).content.decode()
    assert f'href="{download}"' in page and "/media/" not in page


def test_standard_cycles_are_edited_in_the_list(client, admin_user):
    client.force_login(admin_user)
    changelist = url(StandardCycle, "changelist")
    cycles = list(client.get(changelist).context["cl"].result_list)
    # seeded by the migration, listed in the order the plan uses them
    assert [cycle.key for cycle in cycles] == CycleKey.values
    posted = {
        "form-TOTAL_FORMS": str(len(cycles)),
        "form-INITIAL_FORMS": str(len(cycles)),
        "_save": "Save",
    }
    for index, cycle in enumerate(cycles):
        posted[f"form-{index}-id"] = cycle.pk
        posted[f"form-{index}-working_days"] = cycle.working_days
    survey = next(i for i, c in enumerate(cycles) if c.key == "survey")
    posted[f"form-{survey}-working_days"] = "9"

    response = client.post(changelist, posted)

    assert response.status_code == 302
    assert StandardCycle.objects.get(key="survey").working_days == 9
    assert client.get(url(StandardCycle, "add")).status_code == 403
    cycle = cycles[0]
    assert client.post(url(StandardCycle, "delete", cycle.pk), {"post": "yes"}).status_code == 403


def test_standard_cycle_key_is_fixed_and_days_must_be_a_whole_number(client, admin_user):
    client.force_login(admin_user)
    cycle = StandardCycle.objects.get(key="acceptance")
    change = url(StandardCycle, "change", cycle.pk)

    response = client.post(change, {"key": "survey", "working_days": "-1"})
    assert response.status_code == 200  # re-rendered with the error
    assert response.context["adminform"].form.errors["working_days"]
    response = client.post(change, {"key": "survey", "working_days": "12"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.key, cycle.working_days) == ("acceptance", 12)


def test_a_missing_cycle_may_be_added_again(client, admin_user):
    client.force_login(admin_user)
    StandardCycle.objects.filter(key="installation").delete()

    response = client.post(url(StandardCycle, "add"), {"key": "installation", "working_days": "4"})

    assert response.status_code == 302
    assert StandardCycle.objects.get(key="installation").working_days == 4


def test_fulfillment_admin_is_closed_to_non_staff(client, warehouse):
    client.force_login(warehouse)
    for model in MODELS:
        response = client.get(url(model, "changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
