"""Every test run keeps the app's workspace in a folder of its own, never in the user's."""
import os

import pytest

from ui.workspace import FOLDER_VARIABLE


@pytest.fixture(autouse=True, scope="session")
def workspace_folder(tmp_path_factory):
    os.environ[FOLDER_VARIABLE] = str(tmp_path_factory.mktemp("workspace"))
    return os.environ[FOLDER_VARIABLE]
