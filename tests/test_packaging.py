"""pyproject.toml and environment.yml pin the same packages; torch is pinned exactly."""

import re
import tomllib

from conftest import ROOT


def all_requirements() -> list[str]:
    """The runtime dependencies and every extra's (``[dev]``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [*project["dependencies"], *(dep for extra in extras for dep in extra)]


def pins_from_pyproject() -> dict[str, str]:
    return dict(dep.split("==") for dep in all_requirements())


def pins_from_environment() -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text()
    return dict(re.findall(r"^\s+- ([A-Za-z0-9_.-]+)==(\S+)\s*$", text, flags=re.MULTILINE))


def test_every_dependency_is_pinned_exactly():
    assert all("==" in dep for dep in all_requirements())


def test_tools_only_tests_use_are_not_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {dep.split("==")[0] for dep in project["dependencies"]}
    dev = {dep.split("==")[0] for dep in project["optional-dependencies"]["dev"]}
    assert {"pytest", "ruff", "playwright"} <= dev and not runtime & dev


def test_environment_yml_matches_pyproject():
    assert pins_from_environment() == pins_from_pyproject()


def test_the_installed_torch_is_the_pinned_cpu_build():
    """What pip installed is the pinned version, built without CUDA (no multi-GB download)."""
    import torch

    assert torch.__version__.split("+")[0] == pins_from_pyproject()["torch"] == "2.13.0"
    assert torch.version.cuda is None


def test_import_name_is_what_a_student_types(tmp_path):
    """`from nncourse import check` works from any folder (the package is installed)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from nncourse import check; "
                           "import nncourse; print(nncourse.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(ROOT / "lib" / "nncourse"))


def test_the_student_library_never_names_the_grader():
    """The library is what a student installs: it knows nothing of the grader, which hands
    it its hidden checks by name (NNCOURSE_CHECK_MODULES) when it grades."""
    library = ROOT / "lib" / "nncourse"
    named = [str(p.relative_to(library)) for p in sorted(library.rglob("*.py"))
             if "autograder" in p.read_text().lower()]
    assert not named, f"these library modules name the grader: {named}"
