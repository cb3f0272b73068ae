import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.enums import AttachmentKind, ContractStatus
from contracts.models import Contract, ContractAttachment, SupplementaryAgreement
from orders.services import order_submit
from orders.tests.helpers import draft_order
from tests.factories import ContractFactory, CustomerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:contract-list")


def detail(contract) -> str:
    return reverse("api:contract-detail", args=[contract.pk])


def orders_url(contract) -> str:
    return reverse("api:contract-orders", args=[contract.pk])


def attachments_url(contract) -> str:
    return reverse("api:contract-attachments", args=[contract.pk])


def new_contract(customer, **overrides) -> dict:
    data = {
        "number": "HT-2026-0101",
        "customer": customer.pk,
        "title": "离心泵供货合同",
        "signed_date": "2026-03-01",
        "amount": "120000.00",
        "payment_terms": "30% 预付",
    }
    data.update(overrides)
    return data


# --- permission matrix ---------------------------------------------------------------------------


def test_anonymous_gets_401(api):
    contract = ContractFactory()

    codes = [
        api.get(LIST).status_code,
        api.get(detail(contract)).status_code,
        api.post(LIST, new_contract(contract.customer), format="json").status_code,
        api.patch(detail(contract), {"title": "x"}, format="json").status_code,
        api.get(orders_url(contract)).status_code,
        api.post(attachments_url(contract), {}, format="multipart").status_code,
    ]

    assert codes == [401] * 6
    assert Contract.objects.count() == 1


@pytest.mark.parametrize("role", ["finance", "gm", "production", "warehouse"])
def test_wrong_role_may_read_but_not_write(api, request, role):
    contract = ContractFactory(title="原标题")
    api.force_authenticate(request.getfixturevalue(role))

    assert api.get(detail(contract)).status_code == 200
    created = api.post(LIST, new_contract(contract.customer), format="json")
    edited = api.patch(detail(contract), {"title": "改"}, format="json")
    uploaded = api.post(
        attachments_url(contract),
        {"file": SimpleUploadedFile("a.pdf", b"1"), "kind": "other"},
        format="multipart",
    )

    assert [r.status_code for r in (created, edited, uploaded)] == [403, 403, 403]
    assert {r.json()["code"] for r in (created, edited, uploaded)} == {"permission_denied"}
    assert Contract.objects.count() == 1
    assert ContractAttachment.objects.count() == 0
    contract.refresh_from_db()
    assert contract.title == "原标题"


def test_another_reps_contract_is_404_and_their_customer_cannot_be_used(api, rep, other_rep):
    theirs = CustomerFactory(account_manager=other_rep)
    contract = ContractFactory(customer=theirs, title="原标题")
    api.force_authenticate(rep)

    responses = [
        api.get(detail(contract)),
        api.patch(detail(contract), {"title": "改"}, format="json"),
        api.get(orders_url(contract)),
        api.post(attachments_url(contract), {"file": SimpleUploadedFile("a.pdf", b"1")}),
    ]
    created = api.post(LIST, new_contract(theirs), format="json")

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert {r.json()["code"] for r in responses} == {"not_found"}
    assert created.status_code == 400
    assert list(created.json()["extra"]["fields"]) == ["customer"]
    assert Contract.objects.count() == 1
    assert ContractAttachment.objects.count() == 0


def test_rep_registers_and_edits_a_contract_for_own_customer(api, rep):
    customer = CustomerFactory(account_manager=rep)
    api.force_authenticate(rep)

    created = api.post(LIST, new_contract(customer), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"] == "HT-2026-0101"
    assert body["owner"] == rep.pk
    assert body["status"] == ContractStatus.ACTIVE
    assert body["attachments"] == []
    assert body["ledger"]["remaining_amount"] == "120000.00"

    edited = api.patch(
        reverse("api:contract-detail", args=[body["id"]]),
        {"title": "新标题", "end_date": "2026-12-31"},
        format="json",
    )
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["end_date"]) == ("新标题", "2026-12-31")


def test_bad_input_is_a_400_naming_fields(api, rep):
    customer = CustomerFactory(account_manager=rep)
    ContractFactory(number="HT-2026-0101")
    api.force_authenticate(rep)

    response = api.post(
        LIST,
        new_contract(customer, start_date="2026-05-01", end_date="2026-04-01"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "number": ["Another contract already has this number."],
        "end_date": ["The end date is before the start date."],
    }
    bad_date = api.post(LIST, new_contract(customer, signed_date="01/03/2026"), format="json")
    assert list(bad_date.json()["extra"]["fields"]) == ["signed_date"]
    assert Contract.objects.count() == 1


# --- list and retrieve --------------------------------------------------------------------------


def test_list_scoping_filters_and_search(api, rep, other_rep, sales_head):
    mine = ContractFactory(customer=CustomerFactory(account_manager=rep), title="水泵合同")
    done = ContractFactory(
        customer=CustomerFactory(account_manager=rep), status=ContractStatus.COMPLETED
    )
    ContractFactory(customer=CustomerFactory(account_manager=other_rep))

    api.force_authenticate(rep)
    assert sorted(c["id"] for c in api.get(LIST).json()["results"]) == sorted([mine.pk, done.pk])
    assert [c["id"] for c in api.get(LIST + "?status=completed").json()["results"]] == [done.pk]
    assert [c["id"] for c in api.get(LIST + "?search=水泵").json()["results"]] == [mine.pk]
    assert [c["id"] for c in api.get(LIST + f"?search={mine.number}").json()["results"]] == [
        mine.pk
    ]
    assert [c["id"] for c in api.get(LIST + f"?customer={mine.customer_id}").json()["results"]] == [
        mine.pk
    ]

    api.force_authenticate(sales_head)
    assert api.get(LIST).json()["count"] == 3


def test_retrieve_shows_attachments_agreements_and_ledger(api, rep):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(
        customer=customer, amount=Decimal("10000.00"), signed_date=datetime.date(2026, 1, 10)
    )
    SupplementaryAgreement.objects.create(
        contract=contract,
        number="BC-1",
        signed_date=datetime.date(2026, 2, 1),
        amount_change=Decimal("-1000.00"),
    )
    order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    draft_order(rep, customer=customer, contract=contract)
    api.force_authenticate(rep)

    body = api.get(detail(contract)).json()

    assert body["supplementary_agreements"][0]["number"] == "BC-1"
    assert body["ledger"] == {
        "contract_amount": "10000.00",
        "supplementary_change": "-1000.00",
        "effective_amount": "9000.00",
        "ordered_amount": "2260.00",
        "batches": 1,
        "remaining_amount": "6740.00",
    }


def test_contract_orders_lists_the_batches_the_user_may_see(api, rep, other_rep, sales_head):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer)
    first = order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    second = draft_order(rep, customer=customer, contract=contract)
    draft_order(rep, customer=customer)  # no contract
    api.force_authenticate(rep)

    response = api.get(orders_url(contract))

    assert response.status_code == 200
    assert response.json()["count"] == 2
    rows = {row["number"]: row for row in response.json()["results"]}
    assert rows[first.number] == {
        "id": first.pk,
        "number": first.number,
        "status": "sales_review",
        "status_display": "Sales head review",
        "order_date": first.order_date.isoformat(),
        "total": "2260.00",
    }
    assert rows[second.number]["status"] == "draft"

    # Another rep whose contract this is not gets a 404; the head sees every batch.
    api.force_authenticate(other_rep)
    assert api.get(orders_url(contract)).status_code == 404
    api.force_authenticate(sales_head)
    assert api.get(orders_url(contract)).json()["count"] == 2


# --- attachments ----------------------------------------------------------------------------------


def test_attachment_upload_ok(api, rep):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep))
    api.force_authenticate(rep)

    response = api.post(
        attachments_url(contract),
        {
            "file": SimpleUploadedFile("技术协议.docx", b"PK\x03\x04 doc"),
            "kind": "technical_agreement",
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    attachment = ContractAttachment.objects.get()
    assert body["id"] == attachment.pk
    assert (body["name"], body["kind"], body["size"]) == (
        "技术协议.docx",
        AttachmentKind.TECHNICAL_AGREEMENT,
        len(b"PK\x03\x04 doc"),
    )
    assert len(body["sha256"]) == 64
    assert body["uploaded_by"] == rep.pk
    assert [a["id"] for a in api.get(detail(contract)).json()["attachments"]] == [attachment.pk]


def test_attachment_too_big(api, rep, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep))
    api.force_authenticate(rep)

    response = api.post(
        attachments_url(contract),
        {"file": SimpleUploadedFile("scan.pdf", b"x" * 1025)},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["extra"]["fields"] == {
        "file": ["The file is too large (1.0\xa0KB); the limit is 1.0\xa0KB."]
    }
    assert ContractAttachment.objects.count() == 0


def test_attachment_bad_extension_and_missing_file(api, rep):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep))
    api.force_authenticate(rep)

    bad_type = api.post(
        attachments_url(contract),
        {"file": SimpleUploadedFile("setup.exe", b"MZ")},
        format="multipart",
    )
    missing = api.post(attachments_url(contract), {"kind": "other"}, format="multipart")

    assert bad_type.status_code == 400
    assert bad_type.json()["extra"]["fields"]["file"][0].startswith(
        "Files of type “.exe” are not accepted."
    )
    assert missing.status_code == 400
    assert list(missing.json()["extra"]["fields"]) == ["file"]
    assert ContractAttachment.objects.count() == 0


def test_supplementary_agreement_endpoint(api, rep):
    contract = ContractFactory(
        customer=CustomerFactory(account_manager=rep), signed_date=datetime.date(2026, 1, 10)
    )
    api.force_authenticate(rep)
    url = reverse("api:contract-supplementary-agreements", args=[contract.pk])

    ok = api.post(
        url,
        {"number": "BC-1", "signed_date": "2026-02-01", "amount_change": "5000.00"},
        format="json",
    )
    duplicate = api.post(url, {"number": "BC-1", "signed_date": "2026-02-02"}, format="json")

    assert ok.status_code == 201, ok.json()
    assert ok.json()["amount_change"] == "5000.00"
    assert duplicate.status_code == 400
    assert duplicate.json()["extra"]["fields"] == {
        "number": ["This contract already has a supplementary agreement with this number."]
    }
    assert contract.supplementary_agreements.count() == 1


def test_contract_list_query_count_is_fixed(api, sales_head, django_assert_max_num_queries):
    for _ in range(20):
        ContractFactory()
    api.force_authenticate(sales_head)

    with django_assert_max_num_queries(4):
        response = api.get(LIST)

    assert response.json()["count"] == 20
