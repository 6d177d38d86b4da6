"""Fixtures for the ratings tests."""

from pathlib import Path

import pytest


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    """Downloads and extractions go to this test's own folder."""
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    return settings.MOVIEREC_DATA_DIR
