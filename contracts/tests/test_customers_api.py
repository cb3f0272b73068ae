from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.enums import CreditGrade, SettlementMethod, TradeType
from contracts.models import Customer, CustomerAddress, CustomerContact
from tests.factories import (
    CustomerAddressFactory,
    CustomerContactFactory,
    CustomerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("api:customer-list")
VALID_CODE = "91350100M000100Y43"


def detail(customer) -> str:
    return reverse("api:customer-detail", args=[customer.pk])


def new_customer(**overrides) -> dict:
    data = {
        "name": "福州示例机械有限公司",
        "credit_code": VALID_CODE,
        "region": "华东地区",
        "province": "福建",
        "settlement_method": SettlementMethod.MONTHLY,
        "contacts": [{"name": "陈经理", "phone": "13800000000", "is_primary": True}],
        "addresses": [
            {
                "province": "福建省",
                "city": "福州市",
                "district": "鼓楼区",
                "detail": "五四路1号",
                "postcode": "350001",
                "is_default": True,
            }
        ],
    }
    data.update(overrides)
    return data


# --- permission matrix ---------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(api):
    customer = CustomerFactory()

    responses = [
        api.get(LIST),
        api.get(detail(customer)),
        api.post(LIST, new_customer(), format="json"),
        api.patch(detail(customer), {"notes": "x"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert responses[0].json()["code"] == "not_authenticated"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("role", ["finance", "production", "warehouse"])
def test_wrong_role_may_not_create(api, request, role):
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(LIST, new_customer(), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("role", ["production", "warehouse"])
def test_read_only_roles_read_but_may_not_edit(api, request, role):
    customer = CustomerFactory(notes="")
    api.force_authenticate(request.getfixturevalue(role))

    assert api.get(detail(customer)).status_code == 200
    response = api.patch(detail(customer), {"notes": "改"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    customer.refresh_from_db()
    assert customer.notes == ""


def test_another_reps_customer_is_404(api, rep, other_rep):
    customer = CustomerFactory(account_manager=other_rep, notes="")
    api.force_authenticate(rep)

    read = api.get(detail(customer))
    write = api.patch(detail(customer), {"notes": "改"}, format="json")

    assert (read.status_code, read.json()["code"]) == (404, "not_found")
    assert (write.status_code, write.json()["code"]) == (404, "not_found")
    customer.refresh_from_db()
    assert customer.notes == ""


def test_rep_creates_and_becomes_account_manager(api, rep):
    api.force_authenticate(rep)

    response = api.post(LIST, new_customer(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk
    assert body["account_manager"] == rep.pk
    assert body["account_manager_name"] == "rep"
    assert body["credit_code"] == VALID_CODE
    assert body["settlement_method_display"] == "Monthly settlement (月结)"
    assert [c["name"] for c in body["contacts"]] == ["陈经理"]
    assert body["addresses"][0]["full_address"] == "福建省福州市鼓楼区五四路1号 (350001)"
    assert body["addresses"][0]["is_default"] is True


def test_rep_trying_to_set_credit_limit_gets_403_naming_the_field(api, rep):
    customer = CustomerFactory(account_manager=rep, credit_limit=Decimal("1000.00"))
    api.force_authenticate(rep)

    response = api.patch(detail(customer), {"credit_limit": "999999.00"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["extra"]["fields"] == {
        "credit_limit": ["Only finance can set the credit limit and credit grade."]
    }
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("1000.00")


def test_finance_edits_credit_fields(api, finance):
    customer = CustomerFactory()
    api.force_authenticate(finance)

    response = api.patch(
        detail(customer), {"credit_limit": "250000.00", "credit_grade": "A"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["credit_limit"], response.json()["credit_grade"]) == ("250000.00", "A")


@pytest.mark.parametrize("role", ["sales_head", "gm", "admin_user"])
def test_head_gm_admin_edit_any_customer(api, request, role, other_rep):
    customer = CustomerFactory(account_manager=other_rep)
    api.force_authenticate(request.getfixturevalue(role))

    response = api.patch(detail(customer), {"region": "华南地区"}, format="json")

    assert response.status_code == 200
    assert response.json()["region"] == "华南地区"


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "91350100M000100Y44",
            "The check character of the unified social credit code is wrong (expected 3).",
        ),
        (
            "91350100M000100Y4",
            "A unified social credit code has 18 characters (this one has 17).",
        ),
        (
            "91350100M000100YI3",
            "The unified social credit code contains characters not allowed: I.",
        ),
    ],
)
def test_bad_credit_code_is_a_400_on_the_field(api, rep, code, message):
    api.force_authenticate(rep)

    response = api.post(LIST, new_customer(credit_code=code), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["extra"]["fields"] == {"credit_code": [message]}
    assert Customer.objects.count() == 0


def test_lower_case_credit_code_is_accepted_and_stored_upper_case(api, rep):
    api.force_authenticate(rep)

    response = api.post(LIST, new_customer(credit_code=VALID_CODE.lower()), format="json")

    assert response.status_code == 201
    assert Customer.objects.get().credit_code == VALID_CODE


def test_duplicate_credit_code_is_a_400(api, rep):
    CustomerFactory(name="已有公司", credit_code=VALID_CODE)
    api.force_authenticate(rep)

    response = api.post(LIST, new_customer(), format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "credit_code": ["Another customer already has this credit code."]
    }
    assert Customer.objects.count() == 1


def test_nested_errors_name_the_item(api, rep):
    api.force_authenticate(rep)
    data = new_customer()
    data["addresses"].append({**data["addresses"][0], "postcode": "3500011", "is_default": False})
    data["addresses"].append({**data["addresses"][0], "postcode": "35000A", "is_default": False})

    response = api.post(LIST, data, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "addresses.1.postcode": ["Ensure this field has no more than 6 characters."]
    }

    data["addresses"].pop(1)
    response = api.post(LIST, data, format="json")

    assert response.json()["extra"]["fields"] == {
        "addresses.1.postcode": ["A postcode has six digits."]
    }
    assert Customer.objects.count() == 0
    assert CustomerAddress.objects.count() == 0


def test_two_default_addresses_are_a_400(api, rep):
    api.force_authenticate(rep)
    data = new_customer()
    data["addresses"].append({**data["addresses"][0], "detail": "另一个地址"})

    response = api.post(LIST, data, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "addresses": ["Mark at most one ship-to address as the default."]
    }
    assert Customer.objects.count() == 0


def test_patch_replaces_nested_lists(api, rep):
    customer = CustomerFactory(account_manager=rep)
    keep = CustomerContactFactory(customer=customer, name="老王", is_primary=True)
    CustomerContactFactory(customer=customer, name="走人", is_primary=False)
    CustomerAddressFactory(customer=customer)
    api.force_authenticate(rep)

    response = api.patch(
        detail(customer),
        {"contacts": [{"id": keep.pk, "phone": "021-1234"}, {"name": "新来的"}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [(c["name"], c["phone"], c["is_primary"]) for c in response.json()["contacts"]] == [
        ("老王", "021-1234", True),
        ("新来的", "", False),
    ]
    assert len(response.json()["addresses"]) == 1  # not sent: untouched
    assert CustomerContact.objects.filter(customer=customer).count() == 2


# --- list, filters, scoping, queries -----------------------------------------------------------


def test_rep_lists_only_own_customers(api, rep, other_rep):
    mine = CustomerFactory(account_manager=rep, name="甲公司")
    CustomerFactory(account_manager=other_rep, name="乙公司")
    CustomerFactory(account_manager=None, name="丙公司")
    api.force_authenticate(rep)

    response = api.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [c["id"] for c in response.json()["results"]] == [mine.pk]


def test_sales_head_lists_all(api, sales_head, rep, other_rep):
    CustomerFactory(account_manager=rep)
    CustomerFactory(account_manager=other_rep)
    api.force_authenticate(sales_head)

    assert api.get(LIST).json()["count"] == 2


def test_filters_and_search(api, sales_head):
    key = CustomerFactory(
        name="重点客户有限公司",
        region="华中地区",
        settlement_method=SettlementMethod.CREDIT_TERM,
        credit_grade=CreditGrade.A,
        trade_type=TradeType.EXPORT,
        is_key_customer=True,
        credit_code=VALID_CODE,
    )
    CustomerFactory(name="普通客户有限公司", region="华东地区")
    api.force_authenticate(sales_head)

    def ids(query: str) -> list[int]:
        response = api.get(LIST + query)
        assert response.status_code == 200, response.json()
        return [c["id"] for c in response.json()["results"]]

    assert ids("?region=华中") == [key.pk]
    assert ids("?settlement_method=credit_term") == [key.pk]
    assert ids("?credit_grade=A") == [key.pk]
    assert ids("?trade_type=export") == [key.pk]
    assert ids("?is_key_customer=true") == [key.pk]
    assert ids("?search=重点") == [key.pk]
    assert ids("?search=M000100Y43") == [key.pk]
    assert len(ids("?is_key_customer=false")) == 1


def test_bad_filter_value_is_a_400(api, sales_head):
    api.force_authenticate(sales_head)

    response = api.get(LIST + "?credit_grade=Z")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["credit_grade"]


@pytest.mark.parametrize("size", [1, 30])
def test_list_query_count_does_not_grow(api, django_assert_max_num_queries, size):
    managers = [UserFactory(roles=["sales_rep"]) for _ in range(3)]
    for index in range(size):
        customer = CustomerFactory(account_manager=managers[index % 3])
        CustomerContactFactory(customer=customer)
        CustomerAddressFactory(customer=customer)
    viewer = UserFactory(roles=["sales_head"])
    api.force_authenticate(viewer)

    with django_assert_max_num_queries(4):
        response = api.get(LIST + "?page_size=50")

    assert response.json()["count"] == size
