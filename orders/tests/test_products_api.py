from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import PermissionDenied, ValidationFailed
from orders.enums import SupplyMode
from orders.models import Product
from orders.services.products import product_create, product_update
from tests.factories import ProductCategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:product-list")


def detail(product) -> str:
    return reverse("api:product-detail", args=[product.pk])


def new_product(**overrides) -> dict:
    data = {
        "code": "P-NEW-001",
        "name": "多级离心泵",
        "spec": "D46-50×5",
        "unit": "台",
        "list_price": "12000.0000",
        "floor_price": "10000.0000",
        "vat_rate": "0.13",
        "supply_mode": SupplyMode.MAKE_TO_ORDER,
        "production_cycle_days": 15,
    }
    data.update(overrides)
    return data


# --- services -----------------------------------------------------------------------------------


def test_admin_creates_and_updates_a_product(admin_user):
    product = product_create(
        actor=admin_user,
        code=" P-1 ",
        name="泵",
        list_price=Decimal("100"),
        floor_price=Decimal("90"),
        vat_rate=Decimal("0.09"),
    )
    assert (product.code, product.vat_rate) == ("P-1", Decimal("0.09"))

    product_update(product=product, actor=admin_user, floor_price=Decimal("100"))
    product.refresh_from_db()
    assert product.floor_price == Decimal("100.0000")


@pytest.mark.parametrize("role", ["rep", "sales_head", "finance", "gm", "production", "warehouse"])
def test_only_admin_maintains_products(request, role):
    user = request.getfixturevalue(role)
    product = ProductFactory(name="原名")

    with pytest.raises(PermissionDenied):
        product_create(actor=user, code="X", name="X", list_price=1, floor_price=1)
    with pytest.raises(PermissionDenied):
        product_update(product=product, actor=user, name="改名")

    assert Product.objects.count() == 1
    product.refresh_from_db()
    assert product.name == "原名"


def test_service_rules_floor_vat_and_code(admin_user):
    existing = ProductFactory(code="DUP")

    with pytest.raises(ValidationFailed) as exc:
        product_create(
            actor=admin_user,
            code="DUP",
            name="重复",
            list_price=Decimal("100"),
            floor_price=Decimal("100.01"),
            vat_rate=Decimal("0.05"),
        )

    assert exc.value.fields == {
        "vat_rate": ["Use a VAT rate of 13%, 9%, 6% or 0%."],
        "floor_price": ["The floor price is above the list price."],
        "code": ["Another product already has this material code."],
    }
    assert list(Product.objects.values_list("pk", flat=True)) == [existing.pk]


# --- API permission matrix ---------------------------------------------------------------------


def test_anonymous_gets_401(api):
    product = ProductFactory()

    codes = [
        api.get(LIST).status_code,
        api.get(detail(product)).status_code,
        api.post(LIST, new_product(), format="json").status_code,
        api.patch(detail(product), {"name": "x"}, format="json").status_code,
    ]

    assert codes == [401, 401, 401, 401]
    assert Product.objects.count() == 1


@pytest.mark.parametrize("role", ["rep", "sales_head", "finance", "gm", "production", "warehouse"])
def test_every_role_reads_but_only_admin_writes(api, request, role):
    product = ProductFactory(name="原名")
    api.force_authenticate(request.getfixturevalue(role))

    assert api.get(LIST).status_code == 200
    assert api.get(detail(product)).json()["name"] == "原名"
    created = api.post(LIST, new_product(), format="json")
    edited = api.patch(detail(product), {"name": "改名"}, format="json")

    assert (created.status_code, created.json()["code"]) == (403, "permission_denied")
    assert (edited.status_code, edited.json()["code"]) == (403, "permission_denied")
    assert Product.objects.count() == 1
    product.refresh_from_db()
    assert product.name == "原名"


def test_admin_creates_and_patches(api, admin_user):
    category = ProductCategoryFactory()
    api.force_authenticate(admin_user)

    created = api.post(LIST, new_product(category=category.pk), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["code"] == "P-NEW-001"
    assert body["category_name"] == category.name
    assert body["vat_rate"] == "0.13"
    assert body["supply_mode_display"] == "Make to order"

    patched = api.patch(
        reverse("api:product-detail", args=[body["id"]]),
        {"list_price": "13000", "is_active": False},
        format="json",
    )
    assert patched.status_code == 200
    assert (patched.json()["list_price"], patched.json()["is_active"]) == ("13000.0000", False)


def test_unknown_product_is_404(api, rep):
    api.force_authenticate(rep)

    response = api.get(reverse("api:product-detail", args=[999999]))

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        (
            {"floor_price": "12000.0001"},
            {"floor_price": ["The floor price is above the list price."]},
        ),
        ({"vat_rate": "0.17"}, {"vat_rate": ["Use a VAT rate of 13%, 9%, 6% or 0%."]}),
        ({"list_price": "-1", "floor_price": "-2"}, None),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
    ],
)
def test_admin_bad_input_is_a_400(api, admin_user, overrides, fields):
    api.force_authenticate(admin_user)

    response = api.post(LIST, new_product(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    if fields is None:
        assert sorted(response.json()["extra"]["fields"]) == ["floor_price", "list_price"]
    else:
        assert response.json()["extra"]["fields"] == fields
    assert Product.objects.count() == 0


def test_patch_floor_above_existing_list_price_is_refused(api, admin_user):
    product = ProductFactory(list_price=Decimal("100"), floor_price=Decimal("80"))
    api.force_authenticate(admin_user)

    response = api.patch(detail(product), {"floor_price": "100.5"}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "floor_price": ["The floor price is above the list price."]
    }
    product.refresh_from_db()
    assert product.floor_price == Decimal("80.0000")


# --- list --------------------------------------------------------------------------------------


def test_search_and_filters(api, rep):
    pumps = ProductCategoryFactory(code="PUMP", name="泵类")
    valves = ProductCategoryFactory(code="VALVE", name="阀门")
    pump = ProductFactory(code="P-100", name="管道泵", spec="ISG65-160", category=pumps)
    valve = ProductFactory(
        code="V-200",
        name="闸阀",
        spec="Z41H-16C",
        category=valves,
        supply_mode=SupplyMode.MAKE_TO_ORDER,
    )
    retired = ProductFactory(code="P-OLD", name="旧泵", category=pumps, is_active=False)
    api.force_authenticate(rep)

    def ids(query: str) -> list[int]:
        response = api.get(LIST + query)
        assert response.status_code == 200, response.json()
        return sorted(p["id"] for p in response.json()["results"])

    assert ids("?search=P-100") == [pump.pk]
    assert ids("?search=闸阀") == [valve.pk]
    assert ids("?search=Z41H") == [valve.pk]
    assert ids(f"?category={pumps.pk}") == sorted([pump.pk, retired.pk])
    assert ids("?supply_mode=mto") == [valve.pk]
    assert ids("?is_active=false") == [retired.pk]
    assert ids("?is_active=true") == sorted([pump.pk, valve.pk])


@pytest.mark.parametrize("size", [1, 40])
def test_list_query_count_is_fixed(api, rep, django_assert_max_num_queries, size):
    ProductFactory.create_batch(size)
    api.force_authenticate(rep)

    with django_assert_max_num_queries(3):
        response = api.get(LIST + "?page_size=50")

    assert response.json()["count"] == size
