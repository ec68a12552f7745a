"""Compile the translation catalogues when the package is built; the .mo files are never committed.

Everything else about the package lives in pyproject.toml. `compile_catalogues` runs as a
subcommand of `build`, so `pip install .` writes each messages.mo into the wheel beside its
.po, and `pip install -e .` writes it into the source tree, where the editable install reads.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import Command, setup
from setuptools.command.build import build

CATALOGUES = "hotline/translations"


class CompileCatalogues(Command):
    """Compile hotline/translations/*/LC_MESSAGES/messages.po into messages.mo."""

    description = "compile the gettext catalogues (.po) into .mo files"
    user_options: list[tuple[str, str | None, str]] = []

    def initialize_options(self) -> None:
        self.build_lib: str | None = None
        self.editable_mode = False

    def finalize_options(self) -> None:
        self.set_undefined_options("build_py", ("build_lib", "build_lib"))

    def get_source_files(self) -> list[str]:
        return sorted(str(p) for p in Path(CATALOGUES).glob("*/LC_MESSAGES/messages.po"))

    def compiled(self) -> dict[str, str]:
        """Map each .mo as the build ships it to the .po it comes from."""
        return {str(Path(self.build_lib or "", po).with_suffix(".mo")): po for po in self.get_source_files()}

    def get_outputs(self) -> list[str]:
        return list(self.compiled())

    def get_output_mapping(self) -> dict[str, str]:
        # Only an editable install has an existing file to point at: the .mo compiled in place.
        if not self.editable_mode:
            return {}
        return {mo: str(Path(po).with_suffix(".mo")) for mo, po in self.compiled().items()}

    def run(self) -> None:
        # Like `pybabel compile`, fuzzy entries are left out; tests/test_i18n.py allows none.
        for mo, po in self.compiled().items():
            # An editable install reads the source tree, so there the .mo goes beside the .po.
            target = Path(po).with_suffix(".mo") if self.editable_mode else Path(mo)
            with open(po, "rb") as source:
                catalogue = read_po(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                write_mo(out, catalogue)
            self.announce(f"compiled {po} -> {target}", level=2)


class BuildWithCatalogues(build):
    sub_commands = [*build.sub_commands, ("compile_catalogues", None)]


setup(cmdclass={"build": BuildWithCatalogues, "compile_catalogues": CompileCatalogues})
