"""pyproject.toml and environment.yml pin the same packages; torch is pinned exactly."""

import re
import tomllib

from conftest import ROOT


def pins_from_pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(dep.split("==") for dep in project["dependencies"])


def pins_from_environment() -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text()
    return dict(re.findall(r"^\s+- ([A-Za-z0-9_.-]+)==(\S+)\s*$", text, flags=re.MULTILINE))


def test_every_dependency_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert all("==" in dep for dep in project["dependencies"])


def test_environment_yml_matches_pyproject():
    assert pins_from_environment() == pins_from_pyproject()


def test_torch_is_the_cpu_build_on_this_machine():
    assert pins_from_pyproject()["torch"] == "2.13.0"


def test_import_name_is_what_a_student_types():
    import nncourse

    assert nncourse.check and nncourse.gradient_check
