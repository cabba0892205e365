"""Sphinx extension: MyST-NB's execution table, by chapter title and in book order.

MyST-NB's ``{nb-exec-table}`` lists documents by file name, alphabetically. This
extension replaces its table, before MyST-NB's own transform runs, by one row per
executed chapter in the order of the table of contents, each under its title.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from docutils import nodes
from myst_nb.ext.execution_tables import ExecutionStatsNode
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform

HEADERS = ("Chapter", "Run time (s)", "Executed", "Status")


def book_order(env: BuildEnvironment, root: str) -> list[str]:
    """Every document reachable from ``root`` through toctrees, depth first, in order."""
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(root)
    return order


def cells(docname: str, parent: str, data: dict[str, Any]) -> list[nodes.Node]:
    """The table cells of one executed chapter: its linked title and its statistics."""
    link = pending_xref(refdoc=parent, reftarget=f"/{docname}", reftype="doc", refdomain="std",
                        refexplicit=False, refwarn=True, classes=["xref", "doc"])
    link += nodes.inline(text=docname)
    runtime = "-" if data.get("runtime") is None else f"{data['runtime']:.1f}"
    executed = datetime.fromtimestamp(data["mtime"]).strftime("%Y-%m-%d %H:%M") if data.get("mtime") else ""
    status = "✅" if data.get("succeeded") else "❌"
    return [nodes.paragraph("", "", link), *(nodes.paragraph(text=t) for t in (runtime, executed, status))]


def stat_table(env: BuildEnvironment, parent: str, root: str) -> nodes.table:
    """A table with one row per executed chapter, in book order."""
    table = nodes.table(classes=["colwidths-auto"])
    group = nodes.tgroup(cols=len(HEADERS))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in HEADERS]
    head = nodes.row()
    head += [nodes.entry("", nodes.paragraph(text=header)) for header in HEADERS]
    group += nodes.thead("", head)
    body = nodes.tbody()
    group += body
    metadata = NbMetadataCollector.get_doc_data(env)
    for docname in book_order(env, root):
        data = metadata.get(docname, {}).get("exec_data")
        if data:
            row = nodes.row()
            row += [nodes.entry("", cell) for cell in cells(docname, parent, data)]
            body += row
    return table


class BookOrderStatsTable(SphinxPostTransform):
    """Replace each execution-table placeholder before MyST-NB's transform (priority 8)."""

    default_priority = 7

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(ExecutionStatsNode)):
            node.replace_self(stat_table(self.env, self.env.docname, self.config.root_doc))


def drop_repeated_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Keep one copy of each script tag.

    The statistics table makes MyST-NB read its page a second time, and sphinx-thebe
    adds its inline script at every read: twice declared, ``THEBE_JS_URL`` is a
    console error on every page.
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # An inline script is added once with filename None and once with "".
        key = (getattr(script, "filename", script) or None, getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(BookOrderStatsTable)
    app.connect("html-page-context", drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
