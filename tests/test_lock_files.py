"""Issue 14, item 15: every installed package comes from a hash-pinned lock that agrees with pyproject.toml.
Regenerate the locks with `.ci/lock` after changing a dependency."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"requirements.lock": [], "requirements-test.lock": ["test"]}
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    return {normal(name): version for name, version in ENTRY.findall((ROOT / lock).read_text())}


def declared(extras: list[str]) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    out = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;]+)", line.strip())
        assert match, f"pyproject.toml: {line!r} is not pinned exactly (name==version)"
        out[normal(match.group(1))] = match.group(3)
    return out


@pytest.mark.parametrize(("lock", "extras"), LOCKS.items())
def test_the_lock_pins_every_dependency_of_pyproject_at_its_version(lock, extras):
    locked = pins(lock)
    disagree = {
        name: (version, locked.get(name)) for name, version in declared(extras).items() if locked.get(name) != version
    }
    assert disagree == {}, f"{lock} disagrees with pyproject.toml (pyproject, lock): run .ci/lock"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_has_a_hash(lock):
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    entries = [b for b in blocks if ENTRY.match(b)]
    assert len(entries) == len(pins(lock)) > 10
    assert [b.split()[0] for b in entries if "--hash=sha256:" not in b] == []


def test_the_readme_and_ci_install_from_the_locks():
    readme = (ROOT / "README.md").read_text()
    assert "pip install --require-hashes -r requirements.lock" in readme
    ci = (ROOT / ".ci/test").read_text()
    assert "--require-hashes -r requirements-test.lock" in ci
    assert "--no-deps -e" in ci
    assert "requirements-test.lock" in (ROOT / ".ci/audit").read_text()
