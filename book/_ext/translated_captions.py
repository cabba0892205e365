"""Sphinx extension: translate the captions of the table of contents, as Sphinx does not.

Sphinx translates a page's messages early in reading it (the ``Locale`` transform,
priority 20). Jupyter Book inserts the toctrees that ``_toc.yml`` describes later
(sphinx-external-toc's ``InsertToctrees``, priority 100), so their captions ("Chapters",
"Reference") are extracted into the catalogs but never replaced. This transform runs
just after the insertion and looks the captions up in the page's own catalog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain


class TranslateTocCaptions(SphinxTransform):
    """Replace each toctree caption by its translation in the page's catalog."""

    default_priority = 101

    def apply(self, **kwargs: Any) -> None:
        if not self.config.language or self.config.language == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir, folder)) for folder in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(TranslateTocCaptions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
