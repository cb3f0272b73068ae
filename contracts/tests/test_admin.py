from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import Customer
from orders.services import order_submit
from orders.tests.helpers import draft_order
from tests.factories import ContractFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:contracts_customer_add")


def customer_form(**overrides) -> dict:
    data = {
        "name": "后台录入有限公司",
        "credit_code": "91350100m000100y43",
        "credit_limit": "0",
        "credit_grade": "B",
        "settlement_method": "prepayment",
        "credit_days": "0",
        "trade_type": "domestic",
        "is_active": "on",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_adds_customer_with_normalised_credit_code(client, admin_user):
    client.force_login(admin_user)

    response = client.post(ADD, customer_form())

    assert response.status_code == 302
    assert Customer.objects.get().credit_code == "91350100M000100Y43"


def test_admin_form_refuses_a_wrong_check_character(client, admin_user):
    client.force_login(admin_user)

    response = client.post(ADD, customer_form(credit_code="91350100M000100Y44"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "credit_code": [
            "The check character of the unified social credit code is wrong (expected 3)."
        ]
    }
    assert Customer.objects.count() == 0


def test_admin_form_refuses_a_duplicate_in_other_case(client, admin_user):
    CustomerFactory(credit_code="91350100M000100Y43")
    client.force_login(admin_user)

    response = client.post(ADD, customer_form())

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["credit_code"]
    assert Customer.objects.count() == 1


def test_admin_inlines_refuse_two_primary_contacts_and_bad_postcodes(client, admin_user):
    client.force_login(admin_user)
    data = customer_form(
        **{
            "contacts-TOTAL_FORMS": "2",
            "contacts-0-name": "甲",
            "contacts-0-is_primary": "on",
            "contacts-1-name": "乙",
            "contacts-1-is_primary": "on",
            "addresses-TOTAL_FORMS": "1",
            "addresses-0-province": "浙江省",
            "addresses-0-city": "杭州市",
            "addresses-0-detail": "文三路1号",
            "addresses-0-postcode": "31000X",
        }
    )

    response = client.post(ADD, data)

    assert response.status_code == 200
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert formsets["contacts"].non_form_errors() == [
        "Mark at most one contact as the primary contact."
    ]
    assert formsets["addresses"].forms[0].errors == {"postcode": ["A postcode has six digits."]}
    assert Customer.objects.count() == 0


def test_contract_change_page_shows_the_ledger(client, admin_user, rep):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer, amount=Decimal("10000.00"))
    order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    client.force_login(admin_user)

    response = client.get(reverse("admin:contracts_contract_change", args=[contract.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ordered (submitted batches): <strong>2260.00</strong>" in html
    assert "Supplementary agreements: <strong>0.00</strong>" in html
    assert "Batches: <strong>1</strong>" in html
    assert "Remaining: <strong>7740.00</strong>" in html


def test_staff_without_admin_role_may_look_but_not_change(client):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(roles=["sales_head"], is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_customer", "change_customer"])
    )
    customer = CustomerFactory(name="原名")
    client.force_login(clerk)
    url = reverse("admin:contracts_customer_change", args=[customer.pk])

    assert client.get(reverse("admin:contracts_customer_changelist")).status_code == 200
    client.post(url, customer_form(name="改名", credit_code=customer.credit_code))

    customer.refresh_from_db()
    assert customer.name == "原名"


def test_customer_changelist_filters_and_search(client, admin_user):
    CustomerFactory(name="查找目标公司", is_key_customer=True)
    CustomerFactory(name="其他公司")
    client.force_login(admin_user)
    url = reverse("admin:contracts_customer_changelist")

    by_search = client.get(url, {"q": "查找目标"})
    by_filter = client.get(url, {"is_key_customer__exact": "1"})

    assert by_search.context["cl"].result_count == 1
    assert by_filter.context["cl"].result_count == 1
