from decimal import Decimal

import pytest

from contracts.enums import CreditGrade, SettlementMethod
from contracts.models import Customer, CustomerAddress, CustomerContact
from contracts.services import customer_create, customer_update
from core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.factories import (
    CustomerAddressFactory,
    CustomerContactFactory,
    CustomerFactory,
    valid_credit_code,
)

pytestmark = pytest.mark.django_db

VALID_CODE = "91350100M000100Y43"


def _address(**overrides):
    data = {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路100号",
        "postcode": "310000",
        "consignee": "王收货",
        "is_default": False,
    }
    data.update(overrides)
    return data


# --- credit code ---------------------------------------------------------------------------


def test_create_normalises_a_valid_credit_code_to_upper_case(rep):
    customer = customer_create(
        actor=rep, name="福州示例有限公司", credit_code=" 91350100m000100y43 "
    )

    assert customer.credit_code == VALID_CODE
    assert Customer.objects.get(pk=customer.pk).credit_code == VALID_CODE


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "91350100M000100Y44",
            "The check character of the unified social credit code is wrong (expected 3).",
        ),
        ("91350100M000100Y4", "A unified social credit code has 18 characters (this one has 17)."),
        (
            "91350100M000100YI3",
            "The unified social credit code contains characters not allowed: I.",
        ),
        ("", "This field cannot be blank."),
    ],
)
def test_create_refuses_an_invalid_credit_code(rep, code, message):
    with pytest.raises(ValidationFailed) as exc:
        customer_create(actor=rep, name="坏代码有限公司", credit_code=code)

    assert exc.value.fields == {"credit_code": [message]}
    assert Customer.objects.count() == 0


def test_duplicate_credit_code_is_a_field_error_not_an_integrity_error(rep):
    CustomerFactory(name="先到公司", credit_code=VALID_CODE)

    with pytest.raises(ValidationFailed) as exc:
        customer_create(actor=rep, name="后到公司", credit_code=VALID_CODE.lower())

    assert exc.value.fields == {"credit_code": ["Another customer already has this credit code."]}
    assert Customer.objects.count() == 1


def test_update_to_another_customers_code_is_refused(rep):
    CustomerFactory(name="甲公司", credit_code=VALID_CODE)
    mine = CustomerFactory(account_manager=rep)
    before = mine.credit_code

    with pytest.raises(ValidationFailed) as exc:
        customer_update(customer=mine, actor=rep, credit_code=VALID_CODE)

    assert list(exc.value.fields) == ["credit_code"]
    mine.refresh_from_db()
    assert mine.credit_code == before


# --- nested contacts and addresses ------------------------------------------------------------


def test_rep_creates_customer_with_contacts_and_addresses_and_manages_it(rep):
    customer = customer_create(
        actor=rep,
        name="杭州示例有限公司",
        credit_code=VALID_CODE,
        settlement_method=SettlementMethod.MONTHLY,
        contacts=[
            {"name": "张三", "phone": "13900000001", "is_primary": True},
            {"name": "李四", "email": "li@example.com"},
        ],
        addresses=[_address(is_default=True), _address(detail="解放路1号", postcode="")],
    )

    assert customer.account_manager == rep
    assert customer.settlement_method == SettlementMethod.MONTHLY
    assert customer.credit_limit == Decimal("0.00")
    assert [(c.name, c.is_primary) for c in customer.contacts.all()] == [
        ("张三", True),
        ("李四", False),
    ]
    assert [(a.detail, a.is_default) for a in customer.addresses.all()] == [
        ("文三路100号", True),
        ("解放路1号", False),
    ]


def test_two_primary_contacts_or_default_addresses_are_refused_and_nothing_is_saved(rep):
    with pytest.raises(ValidationFailed) as exc:
        customer_create(
            actor=rep,
            name="两个主联系人公司",
            credit_code=VALID_CODE,
            contacts=[{"name": "甲", "is_primary": True}, {"name": "乙", "is_primary": True}],
            addresses=[_address(is_default=True), _address(is_default=True)],
        )

    assert exc.value.fields == {
        "contacts": ["Mark at most one contact as the primary contact."],
        "addresses": ["Mark at most one ship-to address as the default."],
    }
    assert Customer.objects.count() == 0
    assert CustomerContact.objects.count() == 0
    assert CustomerAddress.objects.count() == 0


def test_nested_field_errors_name_the_item(rep):
    with pytest.raises(ValidationFailed) as exc:
        customer_create(
            actor=rep,
            name="地址错误公司",
            credit_code=VALID_CODE,
            contacts=[{"name": ""}],
            addresses=[_address(), _address(postcode="31000A", city="")],
        )

    assert exc.value.fields == {
        "contacts.0.name": ["This field cannot be blank."],
        "addresses.1.city": ["This field cannot be blank."],
        "addresses.1.postcode": ["A postcode has six digits."],
    }
    assert Customer.objects.count() == 0


def test_update_replaces_the_lists_keeping_listed_ids(rep):
    customer = CustomerFactory(account_manager=rep)
    kept = CustomerContactFactory(customer=customer, name="保留", is_primary=True)
    dropped = CustomerContactFactory(customer=customer, name="删除", is_primary=False)
    address = CustomerAddressFactory(customer=customer, is_default=True)

    customer_update(
        customer=customer,
        actor=rep,
        contacts=[
            {"id": kept.pk, "phone": "13911112222", "is_primary": False},
            {"name": "新人", "is_primary": True},
        ],
        addresses=[],
    )

    contacts = list(
        customer.contacts.order_by("id").values_list("id", "name", "phone", "is_primary")
    )
    assert contacts[0] == (kept.pk, "保留", "13911112222", False)
    assert contacts[1][1:] == ("新人", "", True)
    assert len(contacts) == 2
    assert not CustomerContact.objects.filter(pk=dropped.pk).exists()
    assert not CustomerAddress.objects.filter(pk=address.pk).exists()


def test_update_without_lists_leaves_them_alone(rep):
    customer = CustomerFactory(account_manager=rep)
    contact = CustomerContactFactory(customer=customer)

    customer_update(customer=customer, actor=rep, short_name="示例")

    assert list(customer.contacts.values_list("pk", flat=True)) == [contact.pk]
    customer.refresh_from_db()
    assert customer.short_name == "示例"


def test_an_id_from_another_customer_is_refused(rep):
    customer = CustomerFactory(account_manager=rep)
    foreign = CustomerContactFactory(customer=CustomerFactory(), name="别人的")

    with pytest.raises(ValidationFailed) as exc:
        customer_update(customer=customer, actor=rep, contacts=[{"id": foreign.pk, "name": "改"}])

    assert exc.value.fields == {"contacts.0.id": ["This entry does not belong to the customer."]}
    foreign.refresh_from_db()
    assert foreign.name == "别人的"
    assert foreign.customer_id != customer.pk


def test_failed_update_changes_nothing(rep):
    customer = CustomerFactory(account_manager=rep, short_name="旧")
    contact = CustomerContactFactory(customer=customer)

    with pytest.raises(ValidationFailed):
        customer_update(
            customer=customer,
            actor=rep,
            short_name="新",
            contacts=[{"name": "甲", "is_primary": True}, {"name": "乙", "is_primary": True}],
        )

    customer.refresh_from_db()
    assert customer.short_name == "旧"
    assert list(customer.contacts.values_list("pk", flat=True)) == [contact.pk]


# --- who may do what ------------------------------------------------------------------------


def test_rep_may_not_set_credit_fields_on_create(rep):
    with pytest.raises(PermissionDenied) as exc:
        customer_create(
            actor=rep, name="高额度公司", credit_code=VALID_CODE, credit_limit=Decimal("500000")
        )

    assert exc.value.extra == {
        "fields": {"credit_limit": ["Only finance can set the credit limit and credit grade."]}
    }
    assert Customer.objects.count() == 0


def test_rep_may_not_change_credit_limit_or_grade_of_own_customer(rep):
    customer = CustomerFactory(account_manager=rep, credit_limit=Decimal("1000.00"))

    with pytest.raises(PermissionDenied) as exc:
        customer_update(
            customer=customer, actor=rep, credit_limit=Decimal("9999"), credit_grade=CreditGrade.A
        )

    assert sorted(exc.value.extra["fields"]) == ["credit_grade", "credit_limit"]
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("1000.00")
    assert customer.credit_grade == CreditGrade.B


def test_rep_may_send_unchanged_credit_values_back(rep):
    customer = CustomerFactory(account_manager=rep, credit_limit=Decimal("1000.00"))

    customer_update(
        customer=customer,
        actor=rep,
        credit_limit=Decimal("1000"),
        credit_grade=customer.credit_grade,
        notes="只改备注",
    )

    customer.refresh_from_db()
    assert customer.notes == "只改备注"


def test_rep_may_not_reassign_the_account_manager(rep, other_rep):
    customer = CustomerFactory(account_manager=rep)

    with pytest.raises(PermissionDenied):
        customer_update(customer=customer, actor=rep, account_manager=other_rep)

    customer.refresh_from_db()
    assert customer.account_manager == rep


def test_rep_cannot_reach_another_reps_customer(rep, other_rep):
    customer = CustomerFactory(account_manager=other_rep, notes="")

    with pytest.raises(NotFound):
        customer_update(customer=customer, actor=rep, notes="改")

    customer.refresh_from_db()
    assert customer.notes == ""


def test_finance_sets_credit_but_not_the_profile(finance):
    customer = CustomerFactory(name="原名")

    customer_update(
        customer=customer,
        actor=finance,
        credit_limit=Decimal("200000"),
        credit_grade=CreditGrade.A,
        settlement_method=SettlementMethod.CREDIT_TERM,
        credit_days=60,
    )
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.credit_grade, customer.credit_days) == (
        Decimal("200000.00"),
        CreditGrade.A,
        60,
    )

    with pytest.raises(PermissionDenied):
        customer_update(customer=customer, actor=finance, name="新名")
    customer.refresh_from_db()
    assert customer.name == "原名"


@pytest.mark.parametrize("role", ["finance", "production", "warehouse"])
def test_roles_that_may_not_add_customers(request, role):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        customer_create(actor=user, name="无权公司", credit_code=VALID_CODE)

    assert Customer.objects.count() == 0


@pytest.mark.parametrize("role", ["production", "warehouse", "gm", "sales_head"])
def test_no_one_but_finance_and_admin_changes_credit(request, role):
    customer = CustomerFactory()

    with pytest.raises(PermissionDenied):
        customer_update(
            customer=customer, actor=request.getfixturevalue(role), credit_limit=Decimal("1")
        )

    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("1000000.00")


def test_sales_head_assigns_an_account_manager_and_edits_any_customer(sales_head, rep):
    customer = CustomerFactory(account_manager=None)

    customer_update(customer=customer, actor=sales_head, account_manager=rep, region="华中地区")

    customer.refresh_from_db()
    assert (customer.account_manager, customer.region) == (rep, "华中地区")


def test_account_manager_must_be_sales_staff(sales_head, warehouse):
    customer = CustomerFactory(account_manager=None)

    with pytest.raises(ValidationFailed) as exc:
        customer_update(customer=customer, actor=sales_head, account_manager=warehouse)

    assert exc.value.fields == {
        "account_manager": ["The account manager must be an active sales rep or sales head."]
    }
    customer.refresh_from_db()
    assert customer.account_manager is None


def test_admin_sets_everything(admin_user, rep):
    customer = customer_create(
        actor=admin_user,
        name="管理员录入公司",
        credit_code=valid_credit_code(999),
        credit_limit=Decimal("300000"),
        credit_grade=CreditGrade.A,
        account_manager=rep,
    )

    assert (customer.credit_limit, customer.credit_grade, customer.account_manager) == (
        Decimal("300000"),
        CreditGrade.A,
        rep,
    )


def test_finance_may_not_replace_contacts(finance):
    customer = CustomerFactory()
    contact = CustomerContactFactory(customer=customer)

    with pytest.raises(PermissionDenied) as exc:
        customer_update(customer=customer, actor=finance, contacts=[])

    assert exc.value.message == "You may not change: contacts."
    assert exc.value.extra == {"fields": {"contacts": ["You may not change this field."]}}
    assert list(customer.contacts.values_list("pk", flat=True)) == [contact.pk]
