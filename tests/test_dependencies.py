"""No installed package, and no version setup.cfg allows, is known to be vulnerable.

The advisories are vendored in docs/security/advisories.json so the check runs offline
(the equivalent of `pip-audit --strict` against a reviewed list); add an entry when an
advisory appears and raise the floor in setup.cfg.
"""

from __future__ import annotations

import configparser
import json
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ADVISORIES = json.loads((ROOT / "docs" / "security" / "advisories.json").read_text(encoding="utf-8"))["advisories"]


def _vulnerable(advisory: dict[str, str], version: Version) -> bool:
    return Version(advisory["introduced"]) <= version < Version(advisory["fixed"])


def _requirements() -> list[Requirement]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    lines = parser["options"]["install_requires"].splitlines()
    for extra in parser["options.extras_require"].values():
        lines += extra.splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def _lowest_allowed(requirement: Requirement) -> Version | None:
    floors = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
    return max(floors) if floors else None


def test_installed_packages_are_not_known_vulnerable() -> None:
    """Every installed distribution checked against the vendored advisories."""
    installed = {canonicalize_name(dist.metadata["Name"]): Version(dist.version) for dist in metadata.distributions()}
    found = [
        f"{a['package']} {installed[canonicalize_name(a['package'])]}: {a['id']} (fixed in {a['fixed']})"
        for a in ADVISORIES
        if canonicalize_name(a["package"]) in installed and _vulnerable(a, installed[canonicalize_name(a["package"])])
    ]
    floors_low = []
    for requirement in _requirements():
        lowest = _lowest_allowed(requirement)
        for advisory in ADVISORIES:
            if canonicalize_name(advisory["package"]) == canonicalize_name(requirement.name):
                if lowest is None or (_vulnerable(advisory, lowest) and lowest in requirement.specifier):
                    floors_low.append(
                        f"setup.cfg allows {requirement} ({advisory['id']}: fixed in {advisory['fixed']})"
                    )
    print(
        f"\ndependencies: {len(installed)} installed packages and {len(_requirements())} requirements checked "
        f"against {len(ADVISORIES)} advisories (offline), vulnerable = {len(found) + len(floors_low)}"
    )
    assert found == [] and floors_low == [], found + floors_low


def test_a_vulnerable_floor_is_caught() -> None:
    """The check itself: waitress>=3.0 (the old floor) is reported, waitress>=3.0.1 is not."""
    advisory = next(a for a in ADVISORIES if a["package"] == "waitress")
    assert _vulnerable(advisory, _lowest_allowed(Requirement("waitress>=3.0,<3.1")))  # type: ignore[arg-type]  # _lowest_allowed may give None; here the bound exists
    assert not _vulnerable(advisory, _lowest_allowed(Requirement("waitress>=3.0.1,<3.1")))  # type: ignore[arg-type]  # _lowest_allowed may give None; here the bound exists


def _fixed_floor(package: str) -> Version:
    """The lowest version of `package` past every advisory on it."""
    return max(Version(a["fixed"]) for a in ADVISORIES if canonicalize_name(a["package"]) == package)


def test_new_venvs_replace_the_pip_and_setuptools_python_seeds() -> None:
    """python3 -m venv seeds pip 23.2.1 and setuptools 65.5.0 (both with advisories): the README's command
    upgrades them with floors past every advisory, tests/run.sh upgrades them to the pins in
    .ci/constraints.txt, and those pins are past every advisory too."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("python3 -m venv .venv"))
    pins = dict(
        re.findall(
            r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / ".ci" / "constraints.txt").read_text(encoding="utf-8"), re.MULTILINE
        )
    )
    run_sh = (ROOT / "tests" / "run.sh").read_text(encoding="utf-8")
    upgrade = re.search(r"-c \.ci/constraints\.txt --upgrade pip setuptools\n.*-e '\.\[test", run_sh)
    assert upgrade is not None, "tests/run.sh must upgrade pip and setuptools before installing the app"
    for package in ("pip", "setuptools"):
        assert Version(pins[package]) >= _fixed_floor(package), f".ci/constraints.txt pins {package} {pins[package]}"
        floor = re.search(rf"'{package}>=([0-9.]+)'", command)
        assert floor is not None and Version(floor.group(1)) >= _fixed_floor(package), command
    assert command.index("--upgrade") < command.index("install -q -e .")
