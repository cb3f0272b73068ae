import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.enums import AttachmentKind, ContractStatus
from contracts.models import Contract, ContractAttachment, SupplementaryAgreement
from contracts.selectors import contract_ledger
from contracts.services import (
    contract_attachment_add,
    contract_create,
    contract_update,
    supplementary_agreement_add,
)
from core.errors import NotFound, PermissionDenied, ValidationFailed
from orders.services import order_reject, order_submit
from orders.tests.helpers import draft_order
from tests.factories import ContractFactory, CustomerFactory

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2026, 3, 1)


def _create(actor, customer, **extra):
    return contract_create(
        actor=actor,
        customer=customer,
        number=extra.pop("number", "HT-2026-001"),
        signed_date=extra.pop("signed_date", SIGNED),
        amount=extra.pop("amount", Decimal("100000.00")),
        **extra,
    )


def test_rep_registers_a_contract_for_own_customer_and_owns_it(rep):
    customer = CustomerFactory(account_manager=rep)

    contract = _create(rep, customer, title="水泵采购合同", installation_service=True)

    assert contract.owner == rep
    assert contract.customer == customer
    assert Contract.objects.get(pk=contract.pk).title == "水泵采购合同"


def test_rep_may_not_contract_for_another_reps_customer(rep, other_rep):
    customer = CustomerFactory(account_manager=other_rep)

    with pytest.raises(ValidationFailed) as exc:
        _create(rep, customer)

    assert exc.value.fields == {
        "customer": ["You may only register contracts for your own customers."]
    }
    assert Contract.objects.count() == 0


@pytest.mark.parametrize("role", ["finance", "gm", "production", "warehouse"])
def test_other_roles_may_not_register_contracts(request, role):
    with pytest.raises(PermissionDenied):
        _create(request.getfixturevalue(role), CustomerFactory())

    assert Contract.objects.count() == 0


def test_sales_head_registers_for_any_customer(sales_head, rep):
    contract = _create(sales_head, CustomerFactory(account_manager=rep))

    assert contract.owner == sales_head


def test_duplicate_number_and_bad_dates_are_field_errors(rep):
    customer = CustomerFactory(account_manager=rep)
    ContractFactory(number="HT-2026-001")

    with pytest.raises(ValidationFailed) as exc:
        _create(
            rep,
            customer,
            start_date=datetime.date(2026, 5, 1),
            end_date=datetime.date(2026, 4, 1),
            amount=Decimal("-1"),
        )

    assert exc.value.fields == {
        "number": ["Another contract already has this number."],
        "end_date": ["The end date is before the start date."],
        "amount": ["Ensure this value is greater than or equal to 0."],
    }
    assert Contract.objects.count() == 1


def test_update_by_rep_and_refusals(rep, other_rep, gm):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep), title="旧")

    contract_update(contract=contract, actor=rep, title="新", status=ContractStatus.COMPLETED)
    contract.refresh_from_db()
    assert (contract.title, contract.status) == ("新", ContractStatus.COMPLETED)

    with pytest.raises(NotFound):
        contract_update(contract=contract, actor=other_rep, title="别人改")
    with pytest.raises(PermissionDenied):
        contract_update(contract=contract, actor=gm, title="总经理改")
    contract.refresh_from_db()
    assert contract.title == "新"


def test_customer_of_a_contract_with_orders_cannot_change(rep):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer)
    draft_order(rep, customer=customer, contract=contract)

    with pytest.raises(ValidationFailed) as exc:
        contract_update(contract=contract, actor=rep, customer=CustomerFactory(account_manager=rep))

    assert exc.value.fields == {
        "customer": ["The contract already has orders; its customer cannot change."]
    }
    contract.refresh_from_db()
    assert contract.customer == customer


# --- ledger -------------------------------------------------------------------------------------


def test_ledger_counts_submitted_batches_not_drafts_or_rejections(rep, sales_head):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer, amount=Decimal("10000.00"), signed_date=SIGNED)
    submitted = order_submit(
        order=draft_order(rep, customer=customer, contract=contract), actor=rep
    )
    draft_order(rep, customer=customer, contract=contract)  # a draft: does not count
    rejected = order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    order_reject(order=rejected, actor=sales_head, comment="价格不对")
    draft_order(rep, customer=customer)  # no contract
    supplementary_agreement_add(
        contract=contract,
        actor=rep,
        number="BC-1",
        signed_date=datetime.date(2026, 4, 1),
        amount_change=Decimal("500.00"),
    )

    ledger = contract_ledger(contract=contract)

    assert submitted.total == Decimal("2260.00")
    assert ledger == {
        "contract_amount": Decimal("10000.00"),
        "supplementary_change": Decimal("500.00"),
        "effective_amount": Decimal("10500.00"),
        "ordered_amount": Decimal("2260.00"),
        "batches": 1,
        "remaining_amount": Decimal("8240.00"),
    }


# --- supplementary agreements -------------------------------------------------------------------


def test_supplementary_agreement_rules(rep):
    contract = ContractFactory(
        customer=CustomerFactory(account_manager=rep),
        amount=Decimal("1000.00"),
        signed_date=SIGNED,
    )
    SupplementaryAgreement.objects.create(
        contract=contract, number="BC-1", signed_date=SIGNED, amount_change=Decimal("0")
    )

    with pytest.raises(ValidationFailed) as exc:
        supplementary_agreement_add(
            contract=contract,
            actor=rep,
            number="BC-1",
            signed_date=datetime.date(2026, 2, 1),
            amount_change=Decimal("-1000.01"),
        )

    assert exc.value.fields == {
        "signed_date": [
            "A supplementary agreement cannot be signed before its contract (2026-03-01)."
        ],
        "number": ["This contract already has a supplementary agreement with this number."],
        "amount_change": ["The change would make the contract amount negative."],
    }
    assert contract.supplementary_agreements.count() == 1


# --- attachments ----------------------------------------------------------------------------------


def test_attachment_is_stored_with_size_and_checksum(rep):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep))
    upload = SimpleUploadedFile(
        "签字扫描件.pdf", b"%PDF-1.4 signed", content_type="application/pdf"
    )

    attachment = contract_attachment_add(
        contract=contract, file=upload, kind=AttachmentKind.SIGNED_SCAN, actor=rep
    )

    assert attachment.name == "签字扫描件.pdf"
    assert attachment.size == 15
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4 signed").hexdigest()
    assert attachment.uploaded_by == rep
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 signed"


def test_attachment_refusals_save_nothing(rep, other_rep, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep))

    with pytest.raises(ValidationFailed) as too_big:
        contract_attachment_add(
            contract=contract,
            file=SimpleUploadedFile("big.pdf", b"x" * 11),
            kind=AttachmentKind.OTHER,
            actor=rep,
        )
    with pytest.raises(ValidationFailed) as bad_type:
        contract_attachment_add(
            contract=contract,
            file=SimpleUploadedFile("run.exe", b"MZ"),
            kind=AttachmentKind.OTHER,
            actor=rep,
        )
    with pytest.raises(ValidationFailed) as bad_kind:
        contract_attachment_add(
            contract=contract, file=SimpleUploadedFile("a.pdf", b"1"), kind="photo", actor=rep
        )
    with pytest.raises(NotFound):
        contract_attachment_add(
            contract=contract,
            file=SimpleUploadedFile("a.pdf", b"1"),
            kind=AttachmentKind.OTHER,
            actor=other_rep,
        )

    assert too_big.value.fields == {
        "file": ["The file is too large (11\xa0bytes); the limit is 10\xa0bytes."]
    }
    assert list(bad_type.value.fields) == ["file"]
    assert bad_type.value.fields["file"][0].startswith("Files of type “.exe” are not accepted.")
    assert bad_kind.value.fields == {"kind": ["Choose a kind of document."]}
    assert ContractAttachment.objects.count() == 0
