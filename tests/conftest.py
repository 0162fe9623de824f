"""Shared fixtures: paths of the course and the virtual environment's tools."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

# two pytest workers on two cores: one thread each (before numpy or torch loads), and the
# kernels and graders the tests start inherit it
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


DISTRO_PYTHON = Path("/usr/bin/python3.11")


@pytest.fixture(scope="session")
def distro_python(tmp_path_factory) -> Path:
    """A virtual environment of the distribution's Python (Debian's, or deadsnakes' as
    Gradescope's setup.sh installs it): ``sys.base_prefix`` is /usr, the standard library
    /usr/lib/python3.11. Made in a second (``--without-pip``): a ``.pth`` file lends it this
    venv's packages (same Python 3.11 ABI), and puts the course itself on its path as a
    path-based editable install does."""
    if not DISTRO_PYTHON.is_file():
        pytest.skip(f"{DISTRO_PYTHON} (a distribution's Python 3.11) is not installed")
    venv = tmp_path_factory.mktemp("distro") / "venv"
    subprocess.run([str(DISTRO_PYTHON), "-m", "venv", "--without-pip",
                    "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-I", "-c", "import sysconfig; "
                           "print(sysconfig.get_path('purelib'))"], check=True,
                          capture_output=True, text=True).stdout.strip()
    lines = [sysconfig.get_path("purelib"), str(ROOT / "lib"), str(ROOT)]
    (Path(site) / "nncourse-test.pth").write_text("\n".join(lines) + "\n")
    return python
