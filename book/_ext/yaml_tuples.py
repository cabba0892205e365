"""Sphinx extension: let ``_config.yml`` set ``nitpick_ignore`` although YAML has no tuples.

Sphinx matches ``(type, target)`` tuples against ``nitpick_ignore``; Jupyter Book hands
over YAML lists, which never compare equal to tuples, so the setting would silently do
nothing. This converts the pairs once the configuration is read.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config


def _pairs_to_tuples(app: Sphinx, config: Config) -> None:
    config.nitpick_ignore = [tuple(pair) for pair in config.nitpick_ignore]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _pairs_to_tuples)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
