"""Sphinx extension: the reader apparatus's own stylesheet and script (HTML only).

``static/apparatus.css`` draws the provenance tooltips of glued numbers, the highlighted
data row an anchor lands on, quotations of the sources and verification notes;
``static/apparatus.js`` only adds what CSS cannot do (open a tooltip on a first tap,
close it with Escape). Both ship with the package and load from ``_static/``: nothing
comes from outside the book, and without JavaScript a glued number is a plain link.
``static/favicon.svg`` is the book's icon (a survival curve), unless the book names one:
without it, a browser asks the server for ``/favicon.ico`` and logs the 404 as an error.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

STATIC = Path(__file__).resolve().parent / "static"


def _static_path(app: Sphinx) -> None:
    if str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))


def _favicon(app: Sphinx, config) -> None:
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _favicon)
    app.connect("builder-inited", _static_path)
    app.add_css_file("apparatus.css")
    app.add_js_file("apparatus.js", loading_method="defer")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
