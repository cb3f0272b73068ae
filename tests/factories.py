"""factory_boy factories for the whole project."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from contracts.models import Contract, Customer, CustomerAddress, CustomerContact
from core.validators import CREDIT_CODE_CHARSET, credit_code_check_char
from orders.models import Product, ProductCategory


def valid_credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    body = "91350100" + "".join(CREDIT_CODE_CHARSET[(n // 31**i) % 31] for i in range(9))[::-1]
    return body + credit_code_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}有限公司")
    credit_code = factory.Sequence(lambda n: valid_credit_code(n + 1))
    credit_limit = Decimal("1000000.00")
    region = "华东地区"
    province = "浙江"
    account_manager = None


class CustomerAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAddress

    customer = factory.SubFactory(CustomerFactory)
    province = "浙江省"
    city = "杭州市"
    district = "西湖区"
    detail = "文三路100号"
    postcode = "310000"
    consignee = "王收货"
    phone = "13800000000"
    is_default = True


class CustomerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerContact

    customer = factory.SubFactory(CustomerFactory)
    name = "李联系"
    phone = "0571-88888888"
    is_primary = True


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"HT2026{n:04d}")
    customer = factory.SubFactory(CustomerFactory)
    signed_date = datetime.date(2026, 1, 10)
    amount = Decimal("500000.00")
    payment_terms = "30% 预付, 70% 发货前付清"


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = "PUMP"
    name = "泵类"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"离心泵{n}")
    spec = "ISW50-160"
    unit = "台"
    category = factory.SubFactory(ProductCategoryFactory)
    list_price = Decimal("1130.0000")
    floor_price = factory.LazyAttribute(
        lambda p: (p.list_price * Decimal("0.85")).quantize(Decimal("0.0001"))
    )
    vat_rate = Decimal("0.13")
    production_cycle_days = 10
