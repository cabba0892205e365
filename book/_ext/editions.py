"""Sphinx extension: a link on every page to the same page in the book's other editions.

The Korean edition is built from the same sources into ``ko/`` inside the English one,
so a page's counterpart is found by its name alone. ``_config.yml`` lists the editions
as ``editions: {language: {label: ..., path: ...}}``, ``path`` being where an edition
lives relative to the English one. Each page gets a header link per other edition (the
``language-switch.html`` template) and a ``<link rel="alternate" hreflang>`` for search
engines.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def edition_links(
    editions: dict[str, dict[str, str]], language: str, pagename: str,
) -> list[dict[str, str]]:
    """The links from page ``pagename`` of edition ``language`` to its other editions.

    Each link is relative, so the site works wherever it is served from.

    Examples::

        >>> editions = {"en": {"label": "English", "path": ""},
        ...             "ko": {"label": "한국어", "path": "ko"}}
        >>> edition_links(editions, "en", "book/intro")
        [{'language': 'ko', 'label': '한국어', 'href': '../ko/book/intro.html'}]
        >>> edition_links(editions, "ko", "book/intro")
        [{'language': 'en', 'label': 'English', 'href': '../../book/intro.html'}]
    """
    here = editions[language]["path"]
    to_site_root = "../" * (pagename.count("/") + (here.count("/") + 1 if here else 0))
    links = []
    for other, edition in editions.items():
        if other != language:
            folder = f"{edition['path']}/" if edition["path"] else ""
            href = f"{to_site_root}{folder}{pagename}.html"
            links.append({"language": other, "label": edition["label"], "href": href})
    return links


def add_edition_links(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any,
) -> None:
    links = edition_links(app.config.editions, app.config.language, pagename)
    context["edition_links"] = links
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{link["language"]}" href="{link["href"]}" />'
        for link in links
    )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("editions", {}, "html", dict)
    app.connect("html-page-context", add_edition_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
