"""The wheel carries what the installed app reads at run time: postcodes, demo data, import
templates, migrations, templates and static files (a `pip install .` has no checkout to fall back on)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "foodtrain", "web", "routing", "rota", "data")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Builds the wheel from a copy of the sources (the build would leave build/ in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            )
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = out.glob("foodtrain-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_carries_the_data_the_app_reads(wheel_names: set[str]) -> None:
    """Every data file foodtrain reads is in the wheel under foodtrain/data, as in the checkout's data/."""
    expected = {
        f"foodtrain/data/{path.relative_to(ROOT / 'data').as_posix()}"
        for folder in ("demo", "import_templates")
        for path in (ROOT / "data" / folder).iterdir()
    } | {
        "foodtrain/data/postcodes/gb_postcodes.bin.xz",
        "foodtrain/data/postcodes/SOURCE.md",
        "foodtrain/data/basemap/gb_basemap.json.xz",
        "foodtrain/data/basemap/SOURCE.md",
    }
    assert expected <= wheel_names, sorted(expected - wheel_names)


def test_wheel_carries_migrations_templates_and_static_files(wheel_names: set[str]) -> None:
    assert any(name.startswith("foodtrain/migrations/versions/") for name in wheel_names)
    assert "foodtrain/migrations/env.py" in wheel_names
    assert any(name.startswith("web/templates/") for name in wheel_names)
    assert any(name.startswith("web/static/") for name in wheel_names)


def test_checkout_reads_data_through_the_same_path() -> None:
    """foodtrain/data is the checkout's data/ (a symlink), so the app reads one path installed or not."""
    from foodtrain import DATA_DIRECTORY
    from foodtrain.postcodes import DEFAULT_DATA_FILE

    assert DATA_DIRECTORY.resolve() == (ROOT / "data").resolve()
    assert DEFAULT_DATA_FILE.is_file()
