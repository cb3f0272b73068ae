"""Fixtures shared by the reports tests."""

import datetime as dt

import pytest

from reports.services.generate import report_generate
from reports.tests.tracking_world import at


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Reports write xlsx/HTML files: keep them out of the shared test media folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(time_machine):
    """The weekly report of 2026-11-02, generated on the Friday afternoon."""
    time_machine.move_to(at(2026, 11, 6, 17, 0), tick=False)
    return report_generate(kind="weekly", period_start=dt.date(2026, 11, 2))
