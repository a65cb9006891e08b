"""Programs the tests need: skipped where missing, except on CI, where they must be installed."""
import os
import shutil

import pytest


def require_tool(name: str, package: str) -> str:
    """The program's path; skipped where it is missing, except on CI, where it must be installed."""
    path = shutil.which(name)
    if path is None and not os.environ.get("CI"):
        pytest.skip(f"{name} is not installed")
    assert path, f"{name} is missing on CI: apt-get install {package}"
    return path
