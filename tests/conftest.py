"""Every test run keeps the app's workspace in a folder of its own, never in the user's, and runs the demo study once
for the modules that only read its results (a module's own `demo` fixture replaces this one)."""
import os

import pytest

from analysis import examples
from analysis.pipeline import run
from ui.workspace import FOLDER_VARIABLE


@pytest.fixture(autouse=True, scope="session")
def workspace_folder(tmp_path_factory):
    os.environ[FOLDER_VARIABLE] = str(tmp_path_factory.mktemp("workspace"))
    return os.environ[FOLDER_VARIABLE]


@pytest.fixture(scope="session")
def demo():
    """The demo study and its results, which no test changes."""
    study = examples.default_study()
    return study, run(study, examples.demo_panel())
