"""The wheel carries the compiled catalogs: built offline from a copy of the source tree, it holds
a .mo file per .po file, and the Polish one translates (what `pip install smsremind` would get)."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

SKIP = shutil.ignore_patterns(".venv", "demo", "bench", "build", "*.egg-info", "__pycache__", "*.mo", ".git")


def test_the_wheel_holds_compiled_catalogs(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    assert not list(source.rglob("*.mo"))  # nothing compiled beforehand: the build must do it
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-build-isolation",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("smsremind-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for lang in ("pl", "cs"):
            assert f"smsremind/locale/{lang}/LC_MESSAGES/smsremind.mo" in names
        zf.extract("smsremind/locale/pl/LC_MESSAGES/smsremind.mo", tmp_path / "x")
    with (tmp_path / "x/smsremind/locale/pl/LC_MESSAGES/smsremind.mo").open("rb") as fh:
        polish = gettext.GNUTranslations(fh)
    assert polish.ngettext("{n} message", "{n} messages", 5) == "{n} wiadomości"
