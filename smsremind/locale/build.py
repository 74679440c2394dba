"""Compile the ``.po`` catalogs into ``.mo`` files when the package is built.

The ``.po`` files are the source kept in the repository; the ``.mo`` files gettext reads are
built, by ``make i18n`` for a checkout and by this ``build_py`` step for a wheel, so a wheel
always carries catalogs that match its ``.po`` files. Used from ``pyproject.toml``
(``[tool.setuptools.cmdclass]``); never imported at run time.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent


def compile_catalogs(target: Path) -> list[Path]:
    """Write ``<lang>/LC_MESSAGES/smsremind.mo`` under ``target`` for every ``.po`` here."""
    written = []
    for po in sorted(HERE.glob("*/LC_MESSAGES/smsremind.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        mo = target / po.relative_to(HERE).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    return written


class BuildPy(build_py):
    """build_py that also compiles the catalogs into the build (or in place, when editable)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            compile_catalogs(HERE)
        else:
            compile_catalogs(Path(self.build_lib) / "smsremind" / "locale")
