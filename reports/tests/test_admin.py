"""The reports admin: deadline rules are edited here with checked role names and read as a
sentence; alerts, customer feedback and tracking reports are read-only."""

import pytest
from django.urls import reverse

from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order, force_status
from reports.enums import ReportKind, RuleCode
from reports.models import Alert, CustomerFeedback, DeadlineRule, TrackingReport

from .alert_helpers import at

pytestmark = pytest.mark.django_db


def rule_url(code: str) -> str:
    return reverse(
        "admin:reports_deadlinerule_change", args=[DeadlineRule.objects.get(code=code).pk]
    )


def form_of(rule: DeadlineRule, **changes) -> dict:
    data = {
        "is_active": "on" if rule.is_active else "",
        "description": rule.description,
        "offset": rule.offset,
        "offset_unit": rule.offset_unit,
        "alert_roles": rule.alert_roles,
        "escalate_roles": rule.escalate_roles,
        "escalate_after": rule.escalate_after,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_rule_list_reads_each_rule_as_a_sentence(staff):
    response = staff.get(reverse("admin:reports_deadlinerule_changelist"))
    text = response.content.decode()
    assert response.status_code == 200
    assert (
        "Due 2 working days before the promised date. Alerts the order&#x27;s sales rep. "
        "Escalates to Sales head 18 working hours past due."
    ) in text
    assert "Due 24 hours after delivery." in text
    assert "Due 1 calendar day after the invoice&#x27;s due date." in text
    assert reverse("admin:reports_deadlinerule_add") not in text


def test_an_administrator_edits_offset_unit_roles_and_escalation(staff):
    rule = DeadlineRule.objects.get(code=RuleCode.INVOICE_DUE)
    response = staff.post(
        rule_url(RuleCode.INVOICE_DUE),
        form_of(
            rule,
            offset=16,
            offset_unit="working_hours",
            alert_roles=["finance", "owner"],
            escalate_roles=["gm", "sales_head"],
            escalate_after=27,
            is_active="",
        ),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (
        rule.offset,
        rule.offset_unit,
        rule.alert_roles,
        rule.escalate_roles,
        rule.escalate_after,
        rule.is_active,
        rule.code,
    ) == (16, "working_hours", ["finance", "owner"], ["gm", "sales_head"], 27, False, "invoice_due")


@pytest.mark.parametrize(
    "code, changes, field",
    [
        (RuleCode.INVOICE_DUE, {"alert_roles": ["finance", "boss"]}, "alert_roles"),
        (RuleCode.INVOICE_DUE, {"escalate_roles": ["ceo"]}, "escalate_roles"),
        (RuleCode.INVOICE_DUE, {"alert_roles": []}, "alert_roles"),
        (RuleCode.INVOICE_DUE, {"alert_roles": ["step"]}, "alert_roles"),
        (RuleCode.APPROVAL_STEP, {"offset": -1}, "offset"),
        (RuleCode.FOLLOW_UP, {"offset": -4, "offset_unit": "working_hours"}, "offset_unit"),
        (RuleCode.FOLLOW_UP, {"offset": "soon"}, "offset"),
        (RuleCode.FOLLOW_UP, {"escalate_after": -3}, "escalate_after"),
        (RuleCode.FOLLOW_UP, {"offset_unit": "weeks"}, "offset_unit"),
    ],
)
def test_bad_rule_edits_are_refused_with_the_field_named(staff, code, changes, field):
    rule = DeadlineRule.objects.get(code=code)
    before = list(DeadlineRule.objects.order_by("pk").values())
    response = staff.post(rule_url(code), form_of(rule, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert list(DeadlineRule.objects.order_by("pk").values()) == before


def test_negative_offsets_are_fine_before_a_date(staff):
    rule = DeadlineRule.objects.get(code=RuleCode.FOLLOW_UP)
    response = staff.post(rule_url(RuleCode.FOLLOW_UP), form_of(rule, offset=-3))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.offset == -3


def test_rules_are_neither_added_nor_deleted(staff):
    assert staff.get(reverse("admin:reports_deadlinerule_add")).status_code == 403
    pk = DeadlineRule.objects.get(code=RuleCode.FOLLOW_UP).pk
    assert staff.get(reverse("admin:reports_deadlinerule_delete", args=[pk])).status_code == 403
    assert DeadlineRule.objects.count() == 9


def test_alerts_feedback_and_reports_are_read_only(staff, rep, admin_user, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = force_status(draft_order(rep), S.DELIVERED)
    rule = DeadlineRule.objects.get(code=RuleCode.CUSTOMER_FEEDBACK)
    alert = Alert.objects.create(rule=rule, order=order, due_at=at(2026, 11, 6, 10, 0))
    feedback = CustomerFeedback.objects.create(
        order=order, rating="satisfied", contact="王经理", recorded_by=rep
    )
    report = TrackingReport.objects.create(
        kind=ReportKind.WEEKLY,
        period_start=at(2026, 11, 2, 0, 0).date(),
        period_end=at(2026, 11, 6, 0, 0).date(),
    )
    for model, obj in (
        ("alert", alert),
        ("customerfeedback", feedback),
        ("trackingreport", report),
    ):
        changelist = reverse(f"admin:reports_{model}_changelist")
        response = staff.get(changelist)
        assert response.status_code == 200, changelist
        assert staff.get(changelist + "?q=SO").status_code == 200
        change = reverse(f"admin:reports_{model}_change", args=[obj.pk])
        page = staff.get(change)
        assert page.status_code == 200 and b'name="_save"' not in page.content
        assert staff.post(change, {}).status_code == 403
        assert staff.get(reverse(f"admin:reports_{model}_add")).status_code == 403
    filtered = staff.get(
        reverse("admin:reports_alert_changelist"), {"escalated_at__isempty": "1", "status": "open"}
    )
    assert filtered.status_code == 200 and order.number in filtered.content.decode()


def test_the_admin_is_closed_to_non_staff(client, sales_head):
    client.force_login(sales_head)
    response = client.get(reverse("admin:reports_deadlinerule_changelist"))
    assert response.status_code == 302
