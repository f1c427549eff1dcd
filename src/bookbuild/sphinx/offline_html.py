"""Sphinx extension: the HTML book loads nothing from outside its own folder.

- MathJax (which Sphinx loads from a CDN by default) is served from the build: a
  copy of MathJax 3 ships in the Python package ``django-static-mathjax`` (pinned in
  the lock file); the pages that contain mathematics load ``_static/mathjax/tex-chtml.js``.
- sphinx-thebe (live code, unused here), which writes a CDN address into every page,
  is not loaded: ``_config.yml`` lists the book's extensions (Jupyter Book's defaults
  without it) in ``sphinx.config.extensions``.
- The colour mode is set (light), so the theme's script logs no console error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

MATHJAX_ENTRY = "tex-chtml.js"
#: What tex-chtml.js may load lazily: fonts, TeX extensions (autoload), menu, a11y.
MATHJAX_PARTS = [MATHJAX_ENTRY, "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui",
                 "a11y", "adaptors"]


def mathjax_source() -> Path:
    """Folder of MathJax's ``es5`` distribution inside the installed package."""
    import mathjax  # django-static-mathjax

    return Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"


def _config(app: Sphinx, config: Config) -> None:
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"
    # sphinx-book-theme leaves the colour mode empty, which the pydata theme's script
    # reports as a console error on a first visit; the book's figures are drawn on white.
    config.html_context.setdefault("default_mode", "light")


def _copy_mathjax(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    has_math = any(app.env.get_domain("math").data.get("has_equations", {}).values())
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    if not has_math:
        return
    src = mathjax_source()
    for part in MATHJAX_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, target / part)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / part, target / part)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _config)
    app.connect("build-finished", _copy_mathjax)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
