from .alerts import Alert, DeadlineRule
from .feedback import CustomerFeedback
from .reports import TrackingReport

__all__ = ["Alert", "CustomerFeedback", "DeadlineRule", "TrackingReport"]
