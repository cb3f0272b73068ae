import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files land in a per-test directory, never in var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
