"""`make run` pieces: the demo data command and the beat schedules seeded by migration."""

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from contracts.models import Contract, Customer, CustomerAddress, CustomerContact
from core.models import OutboxMessage
from core.roles import Role
from core.validators import validate_credit_code
from orders.enums import OrderStatus as S
from orders.models import Order, OrderEvent, OrderLine, Product

ROOT = Path(__file__).resolve().parent.parent
DEMO_STATES = {
    S.DRAFT,
    S.SALES_REVIEW,
    S.TECHNICAL_REVIEW,
    S.FINANCE_REVIEW,
    S.GM_REVIEW,
    S.REJECTED,
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY_TO_SHIP,
    S.PARTIALLY_SHIPPED,
    S.SHIPPED,
    S.DELIVERED,
    S.SETTLED,
    S.CANCELLED,
}
DEMO_USERS = {
    "rep": Role.SALES_REP,
    "rep2": Role.SALES_REP,
    "head": Role.SALES_HEAD,
    "finance": Role.FINANCE,
    "gm": Role.GM,
    "production": Role.PRODUCTION,
    "warehouse": Role.WAREHOUSE,
    "admin": Role.ADMIN,
}


def _counts() -> dict[str, int]:
    models = (
        get_user_model(),
        Customer,
        CustomerAddress,
        CustomerContact,
        Contract,
        Product,
        Order,
        OrderLine,
        OrderEvent,
        OutboxMessage,
    )
    return {model.__name__: model.objects.count() for model in models}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_data():
    # given an empty database, when the demo data is loaded twice
    first_output = _seed()
    first = _counts()
    second_output = _seed()

    # then the second run finds everything and creates nothing
    assert _counts() == first
    assert "16 demo orders (16 new)" in first_output
    assert "16 demo orders (0 new)" in second_output
    assert first["Customer"] == 6
    assert first["Contract"] == 3
    assert first["Product"] == 10
    assert first["Order"] == 16


@pytest.mark.django_db
def test_seed_demo_creates_one_user_per_role_with_the_printed_password():
    output = _seed()

    User = get_user_model()
    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password("demo1234")
        assert f"  {username:<12}{role:<14}demo1234" in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    assert set(Group.objects.filter(user__isnull=False).values_list("name", flat=True)) == set(
        Role.values
    )


@pytest.mark.django_db
def test_seed_demo_orders_cover_every_listed_state_through_the_services():
    _seed()

    assert set(Order.objects.values_list("status", flat=True)) == DEMO_STATES
    # built through the services: each order has its creation event and one per transition
    for order in Order.objects.all():
        transitions = list(order.events.exclude(transition="").values_list("to_status", flat=True))
        assert order.events.filter(event_type="created").count() == 1
        assert (transitions[-1] if transitions else S.DRAFT) == order.status
        assert order.lines.exists()
        assert order.customer.account_manager_id == order.owner_id
    rejected = Order.objects.get(status=S.REJECTED)
    assert rejected.events.get(transition="reject").actor.username == "finance"
    approved = Order.objects.get(status=S.APPROVED)
    approvers = approved.events.filter(transition="approve").values_list(
        "actor__username", flat=True
    )
    assert list(approvers) == ["head", "finance", "gm"]
    partial = Order.objects.get(status=S.PARTIALLY_SHIPPED)
    assert partial.lines.filter(is_closed=False).exists()
    assert not Order.objects.get(status=S.SETTLED).lines.filter(is_closed=False).exists()


@pytest.mark.django_db
def test_seed_demo_master_data_is_valid():
    _seed()

    for customer in Customer.objects.all():
        validate_credit_code(customer.credit_code)
        customer.full_clean()
        assert customer.addresses.count() == 1
        assert customer.contacts.count() == 1
    assert len(set(Customer.objects.values_list("settlement_method", flat=True))) == 4
    assert len(set(Customer.objects.values_list("region", flat=True))) >= 3
    assert set(Product.objects.values_list("vat_rate", flat=True)) == {Product().vat_rate}
    assert set(Product.objects.values_list("supply_mode", flat=True)) == {"mts", "mto"}


@pytest.mark.django_db
def test_seed_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_beat_schedules_exist_after_migrate():
    tasks = {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}

    flush = tasks["core.outbox_flush"]
    assert (flush.task, flush.enabled) == ("core.outbox_flush", True)
    assert (flush.interval.every, flush.interval.period) == (1, "minutes")
    retry = tasks["core.notifications_retry"]
    assert (retry.task, retry.enabled) == ("core.notifications_retry", True)
    assert (retry.interval.every, retry.interval.period) == (10, "minutes")
    for task in tasks.values():
        if task.crontab is not None:
            assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_beat_tasks_are_registered_with_the_worker():
    from config.celery import app

    app.loader.import_default_modules()
    assert {"core.outbox_flush", "core.notifications_retry"} <= set(app.tasks)


def test_launcher_script_is_valid_bash():
    result = subprocess.run(
        ["bash", "-n", str(ROOT / "bin" / "run-all")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
