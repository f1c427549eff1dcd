"""Sphinx extension: HTML pages that every reader can use, checked by axe-core and on a phone.

- The theme's search field button carried ``aria-label="Recherche"`` while it shows
  « Recherche Ctrl+K »: a speech-input user saying what they see could not name it (WCAG
  2.5.3, label in name); so was the colour-mode button (« Thème »), whose visible icon's
  title (« Clair ») counted as its text. Their templates are overridden (``templates/``,
  first in ``templates_path``, the theme's documented way): the search button is named by
  its visible text, the colour-mode icons lose their titles (decorative; the button keeps
  its name and tooltip).
- A style sheet (``static/``) lets inline code and long headings wrap on a 390 px wide
  screen; tables and code blocks keep scrolling inside their own box (the theme's).

The bibliography's entries (role ``listitem``) are fixed where they are written, in
:mod:`bookbuild.sphinx.bibliography`.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

HERE = Path(__file__).resolve().parent
CSS = "therapybook-pages.css"


def _config(app: Sphinx, config: Config) -> None:
    config.templates_path.insert(0, str(HERE / "templates"))
    config.html_static_path.append(str(HERE / "static"))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _config)
    app.add_css_file(CSS)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
