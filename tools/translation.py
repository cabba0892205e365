"""The Korean edition: its message catalogs, its build configuration, and their checks.

Usage: ``python -m tools.translation update`` extracts every translatable message of
the English book into ``_build/gettext`` and merges it into the catalogs under
``locales/ko/LC_MESSAGES``: new messages arrive untranslated, changed ones fuzzy, and
removed ones obsolete; a new catalog gets embedlab's header.
``python -m tools.translation check [PAGE ...]`` extracts the messages afresh and lists
what a translator still has to do, exiting non-zero while anything is left.

The book is translated through Sphinx's gettext catalogs, so both editions come from the
same notebooks. Markdown cells are translated; code, outputs and docstrings are not:
the API page's docstrings are the package's own, tested as doctests, and stay English in
both editions, so that each exists once.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polib
import yaml

from tools.bookcheck import ROOT, run_jupyter_book

LANGUAGE = "ko"
LOCALE_DIR = ROOT / "locales"
CATALOGS = LOCALE_DIR / LANGUAGE / "LC_MESSAGES"
GETTEXT_DIR = ROOT / "_build" / "gettext"
#: The suffixes of the book's page sources; docstrings come from ``.py`` files.
BOOK_SUFFIXES = (".md", ".ipynb")


def book_config(root: Path = ROOT) -> dict:
    """The book's ``_config.yml`` at ``root``, as a dictionary."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def edition_path(config: dict, language: str = LANGUAGE) -> str:
    """Where an edition lands inside the English one, as ``editions`` in ``config`` says."""
    return config["sphinx"]["config"]["editions"][language]["path"]


#: Where the Korean edition lands inside the English one, so that one site serves both.
EDITION_PATH = edition_path(book_config())
#: One catalog per page, in extraction and in the Korean build alike.
GETTEXT_SETTINGS = {"gettext_compact": False, "gettext_uuid": False}


def edition_config(
    language: str | None, cache_path: Path | None = None, root: Path = ROOT,
) -> dict:
    """The book's configuration for one edition, or for extraction (``language=None``).

    The Korean edition takes its title and footer from its entry in the ``editions``
    setting, and reads the English build's execution cache at ``cache_path``, so it
    executes nothing a second time; extraction executes nothing at all, because only
    markdown cells are translated.
    """
    config = book_config(root)
    sphinx_config = config["sphinx"]["config"]
    sphinx_config.update(GETTEXT_SETTINGS)
    if language is None:
        config["execute"]["execute_notebooks"] = "off"
        return config
    edition = sphinx_config["editions"][language]
    config["title"] = edition["title"]
    config["html"]["extra_footer"] = edition["footer"]
    sphinx_config["language"] = language
    sphinx_config["locale_dirs"] = [LOCALE_DIR.name]
    if cache_path is not None:
        config["execute"]["cache"] = str(cache_path)
    return config


def write_config(config: dict, name: str, root: Path = ROOT) -> Path:
    """Write ``config`` beside ``_config.yml`` under a hidden name the build ignores.

    Jupyter Book resolves the local extensions and static paths of a config relative to
    the book, so the file must live at the book's root. Its name is unique, so that
    builds running side by side (a test run and ``make book``) do not share one.
    """
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=root, prefix=f".{name}-", suffix="-config.yml", delete=False,
    ) as file:
        yaml.safe_dump(config, file, allow_unicode=True, sort_keys=False)
    return Path(file.name)


def extract(output: Path = GETTEXT_DIR) -> list[Path]:
    """Extract every page's messages into ``.pot`` templates under ``output``.

    Docstring messages, which autodoc adds to the API page, are dropped: they stay
    English (see the module's docstring). Returns the templates written.

    Raises:
        RuntimeError: if the gettext build fails; its log says why.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    config = write_config(edition_config(None), "gettext")
    work = Path(tempfile.mkdtemp(prefix="gettext-", dir=output.parent))
    try:
        result = run_jupyter_book(
            "build", ROOT, "--all", "--warningiserror", "--keep-going", "--builder", "custom",
            "--custom-builder", "gettext", "--config", config, "--path-output", work,
        )
        if result.returncode != 0:
            log = result.stdout[-3000:] + result.stderr[-3000:]
            raise RuntimeError(f"the gettext build failed:\n{log}")
        shutil.rmtree(output, ignore_errors=True)
        shutil.move(work / "_build" / "gettext", output)
    finally:
        config.unlink()
        shutil.rmtree(work, ignore_errors=True)
    templates = sorted((output / "book").glob("*.pot"))
    for template in templates:
        drop_docstrings(template)
    return templates


def drop_docstrings(template: Path) -> None:
    """Keep in ``template`` only the messages of the book's own pages, without locations.

    A message found in no page source comes from a docstring. The locations themselves
    are dropped: they would change the catalogs whenever a line moved, and a message is
    found by its text.
    """
    catalog = polib.pofile(str(template), wrapwidth=0)
    for entry in list(catalog):
        if not any(path.endswith(BOOK_SUFFIXES) for path, _ in entry.occurrences):
            catalog.remove(entry)
        entry.occurrences = []
    catalog.save()


def update(templates: Path = GETTEXT_DIR, catalogs: Path = LOCALE_DIR) -> None:
    """Merge the templates into the Korean catalogs, as ``sphinx-intl update`` does."""
    command = [
        sys.executable, "-m", "sphinx_intl", "update",
        "-p", str(templates), "-d", str(catalogs), "-l", LANGUAGE,
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    for catalog in sorted((catalogs / LANGUAGE / "LC_MESSAGES").rglob("*.po")):
        complete_header(catalog)


#: The header of every Korean catalog, in place of the placeholders sphinx-intl writes.
HEADER = {
    "Project-Id-Version": "embedlab",
    "Last-Translator": "embedlab translators",
    "Language-Team": "Korean",
}


def complete_header(catalog: Path) -> None:
    """Fill in the header of a catalog that sphinx-intl has just created.

    sphinx-intl marks a new catalog's header fuzzy, with placeholder fields; a catalog
    whose header is already complete is left byte for byte as it is.
    """
    translated = polib.pofile(str(catalog), wrapwidth=76)
    if not translated.metadata_is_fuzzy:
        return
    translated.header = f"Korean translation of the embedlab book: {catalog.stem}."
    translated.metadata.update(HEADER)
    translated.metadata.pop("PO-Revision-Date", None)
    translated.metadata_is_fuzzy = False
    translated.save()


#: A MyST role such as {term}`tokens <token>`: its name, and its text.
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
#: Roles whose text may be translated, as long as their target stays.
LINKING_ROLES = ("term", "ref", "doc", "numref")
#: An inline code span, math span or link target, which a translation keeps as it is.
CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def markup(text: str) -> Counter[tuple[str, str]]:
    """What of ``text`` a translation must keep: roles, code, math and link targets.

    A reference to a term, a label or a page may show translated words, so only its
    target counts: the text between ``<`` and ``>``, or the whole text when there is
    none. Every other role, code span and formula counts as written.

    Examples::

        >>> sorted(markup("A {term}`vocabulary` of $V$ `ids`"))
        [('code', 'ids'), ('math', '$V$'), ('term', 'vocabulary')]
        >>> markup("{term}`어휘집 <vocabulary>`") == markup("{term}`vocabulary`")
        True
        >>> markup("{doc}`조회 <lookup>`") == markup("{doc}`Lookup <lookup>`")
        True
    """
    found: Counter[tuple[str, str]] = Counter()
    for name, content in ROLE.findall(text):
        if name in LINKING_ROLES:
            target = re.search(r"<([^<>]+)>$", content)
            content = target.group(1) if target else content
        found[(name, content.strip())] += 1
    text = ROLE.sub(" ", text)
    for _, content in CODE.findall(text):
        found[("code", content)] += 1
    text = CODE.sub(" ", text)
    found.update(("math", math) for math in MATH.findall(text))
    found.update(("link", target) for target in LINK.findall(text))
    return found


@dataclass
class Report:
    """What a translator still has to do in one catalog."""

    catalog: str
    missing: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    markup: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """One line per problem, naming the catalog, the kind and the message."""
        return [
            f"{self.catalog}: {kind}: {message[:100]!r}"
            for kind in ("missing", "untranslated", "fuzzy", "obsolete", "markup")
            for message in getattr(self, kind)
        ]


def check_catalog(template: Path, catalog: Path) -> Report:
    """Compare one catalog with the template of the English page it translates."""
    name = template.relative_to(template.parent.parent).with_suffix("").as_posix()
    report = Report(name)
    if not catalog.is_file():
        report.missing = [entry.msgid for entry in polib.pofile(str(template))]
        return report
    translated = polib.pofile(str(catalog))
    entries = {entry.msgid: entry for entry in translated if not entry.obsolete}
    wanted = [entry.msgid for entry in polib.pofile(str(template))]
    for msgid in wanted:
        entry = entries.get(msgid)
        if entry is None:
            report.missing.append(msgid)
        elif "fuzzy" in entry.flags:
            report.fuzzy.append(msgid)
        elif not entry.msgstr.strip():
            report.untranslated.append(msgid)
        else:
            english, korean = markup(msgid), markup(entry.msgstr)
            if english != korean:
                lost, added = dict(english - korean), dict(korean - english)
                report.markup.append(f"{msgid[:60]} (lost {lost}, added {added})")
    if translated.metadata_is_fuzzy:
        report.fuzzy.insert(0, "(the catalog's header)")
    report.obsolete = [entry.msgid for entry in translated if entry.obsolete]
    current = set(wanted)
    report.obsolete += [msgid for msgid in entries if msgid not in current]
    return report


def check(templates: Path = GETTEXT_DIR, catalogs: Path = CATALOGS) -> list[Report]:
    """Check every catalog against its template; a catalog with no page is obsolete."""
    pages = {path.relative_to(templates).with_suffix("") for path in templates.rglob("*.pot")}
    reports = [
        check_catalog(templates / f"{page}.pot", catalogs / f"{page}.po")
        for page in sorted(pages)
    ]
    for stray in sorted(catalogs.rglob("*.po")):
        page = stray.relative_to(catalogs).with_suffix("")
        if page not in pages:
            reports.append(Report(page.as_posix(), obsolete=["(the whole catalog: no such page)"]))
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "check"])
    parser.add_argument("pages", nargs="*", help="check only these pages, as book/intro")
    args = parser.parse_args(argv)
    extract()
    if args.command == "update":
        update()
        return 0
    reports = [
        report for report in check()
        if not args.pages or report.catalog in args.pages
    ]
    problems = [problem for report in reports for problem in report.problems()]
    print("\n".join(problems) or f"{len(reports)} catalogs complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
