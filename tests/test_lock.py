"""The Action's locks (locks/*.txt, written by `make lock`) agree with pyproject.toml: every
runtime dependency is pinned to a version its specifier allows, nothing is pinned that no longer
is one, and every pin carries hashes. Offline: it reads the files, it does not resolve again."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO

LOCKS = REPO / "locks"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
FROM_PYPROJECT = "promptsync (pyproject.toml)"
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+))?"
)
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    hashes: int
    via: frozenset[str]


def read_lock(path: Path) -> dict[str, Pin]:
    """A `uv pip compile --generate-hashes` file: `name==version \\`, hash lines, `# via` lines."""
    pins: dict[str, Pin] = {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", path.read_text(encoding="utf-8"))
    for entry in entries:
        match = PIN.match(entry)
        if match is None:
            assert entry.startswith("#"), f"{path.name}: not a pin: {entry.splitlines()[0]!r}"
            continue
        via = re.findall(r"^[ \t]+#[ \t]+(?:via[ \t]+)?(?!via$)(.+?)[ \t]*$", entry, re.MULTILINE)
        name = canonicalize_name(match["name"])
        pins[name] = Pin(name, Version(match["version"]), len(HASH.findall(entry)), frozenset(via))
    return pins


RUNTIME = read_lock(LOCKS / "runtime.txt")
BUILD = read_lock(LOCKS / "build.txt")
UV = read_lock(LOCKS / "uv.txt")


def requirements(specs: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, specs)}


@pytest.mark.parametrize("spec", PYPROJECT["project"]["dependencies"])
def test_every_runtime_dependency_is_pinned_to_an_allowed_version(spec: str) -> None:
    requirement = Requirement(spec)
    pin = RUNTIME.get(canonicalize_name(requirement.name))
    assert pin is not None, f"{spec} is not in locks/runtime.txt: run `make lock`"
    assert requirement.specifier.contains(pin.version, prereleases=True), (
        f"locks/runtime.txt pins {pin.name}=={pin.version}, outside {spec}: run `make lock`"
    )


def test_the_lock_holds_no_dependency_pyproject_dropped() -> None:
    direct = {name for name, pin in RUNTIME.items() if FROM_PYPROJECT in pin.via}
    assert direct == set(requirements(PYPROJECT["project"]["dependencies"])), "run `make lock`"
    for pin in RUNTIME.values():
        needed_by = {canonicalize_name(v) for v in pin.via if v != FROM_PYPROJECT}
        assert FROM_PYPROJECT in pin.via or needed_by & set(RUNTIME), f"{pin.name}: needed by?"


def test_extras_stay_out_of_the_runtime_lock() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("emulator", "eval"):
        assert not set(requirements(extras[extra])) & set(RUNTIME), extra


@pytest.mark.parametrize("lock", ["runtime.txt", "build.txt", "uv.txt"])
def test_every_pin_is_hash_checked(lock: str) -> None:
    pins = read_lock(LOCKS / lock)
    assert pins
    assert all(pin.hashes >= 1 for pin in pins.values()), [p.name for p in pins.values()]
    lines = [line.strip() for line in (LOCKS / lock).read_text(encoding="utf-8").splitlines()]
    assert not [line for line in lines if line and line[0] not in "#-" and "==" not in line]


def test_the_build_lock_is_the_build_system() -> None:
    wanted = requirements(PYPROJECT["build-system"]["requires"])
    listed = (LOCKS / "build.in").read_text(encoding="utf-8").split("\n")
    assert requirements([s for s in listed if s and not s.startswith("#")]) == wanted
    for name, requirement in wanted.items():
        assert requirement.specifier.contains(BUILD[name].version), name


def test_the_locks_agree_where_they_meet() -> None:
    """The Action installs runtime.txt and build.txt into one environment."""
    for name in set(RUNTIME) & set(BUILD):
        assert RUNTIME[name].version == BUILD[name].version, name


def test_the_reader_sees_a_stale_or_unhashed_lock(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "# header\n"
        "click==8.1.0 \\\n"
        f"    --hash=sha256:{'0' * 64}\n"
        "    # via\n"
        "    #   promptsync (pyproject.toml)\n"
        "    #   uvicorn\n"
        "rich==13.0 ; sys_platform == 'win32'\n"
        "    # via click\n",
        encoding="utf-8",
    )
    pins = read_lock(lock)
    assert pins["click"] == Pin(
        "click", Version("8.1.0"), 1, frozenset({FROM_PYPROJECT, "uvicorn"})
    )
    assert pins["rich"] == Pin("rich", Version("13.0"), 0, frozenset({"click"}))
    assert UV["uv"].hashes > 1  # one hash per platform's wheel
