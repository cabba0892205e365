"""Sphinx extension: a bibliography whose labels read as the text cites, author and year.

The text cites author–year ("Mikolov et al., 2013"), while pybtex's styles label the
list with numbers or alpha keys (``[PyTorchContributors26]``). This registers the
pybtex style ``authoryear``: entries sorted by author, year and title, each labelled
with its authors' last names and its year.
"""

from __future__ import annotations

from typing import Any

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle
from sphinx.application import Sphinx


def authors(entry) -> str:
    """The label's names: one or two last names, or the first and "et al."."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.last_names).replace("{", "").replace("}", "") for person in people]
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names) or entry.key


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield f"{authors(entry)}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = SortingStyle


def setup(app: Sphinx) -> dict[str, Any]:
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
