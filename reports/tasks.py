"""Celery tasks of the reports app: thin wrappers taking ids and calling services."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from core.notifications import notify

from .services.alerts import alert_messages


@shared_task(name="reports.deadline_scan", bind=True, max_retries=3, default_retry_delay=60)
def deadline_scan(self) -> dict:
    """Beat, every 15 minutes: raise, escalate and resolve deadline alerts."""
    from .services.scan import deadline_scan as scan

    try:
        result = scan()
    except Exception as exc:  # a database hiccup: the next run (or this retry) catches up
        raise self.retry(exc=exc) from exc
    return {
        "raised": result.raised,
        "resolved": result.resolved,
        "notified": len(result.notified),
        "escalated": len(result.escalated),
    }


@shared_task(
    name="reports.alerts_notify", bind=True, max_retries=5, default_retry_delay=60, acks_late=True
)
def alerts_notify(self, alert_ids: list[int], escalation: bool = False) -> int:
    """Tell the people a rule names (or escalates to) about their alerts; once per person and
    alert (dedup key), so a retried run sends nothing twice."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            messages = alert_messages(alert_ids, escalation=escalation)
        return sum(
            notify(user_ids=ids, subject=subject, body=body, link=link, dedup_key=key)
            for ids, subject, body, link, key in messages
            if ids
        )
    except Exception as exc:
        raise self.retry(exc=exc) from exc
