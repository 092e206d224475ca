import pytest


@pytest.fixture(autouse=True)
def _files_dir(settings, tmp_path):
    """Uploaded ledgers and produced workbooks under the test's own folder."""
    settings.YIYANG_FILES_DIR = tmp_path / "files"
