"""Sphinx extension: pybtex finds its plugins without scanning every installed package.

sphinxcontrib-bibtex asks pybtex for its style and backend plugins each time it
formats a citation, and pybtex looks each one up among the entry points of every
installed package (about 10 ms a lookup: some 400 lookups cost 4 s on one core).
pybtex looks first among the plugins registered at run time, so the build registers
the installed plugins of the groups the bibliography uses, once, with pybtex's public
``register_plugin`` — the same classes the entry points name. A style that another
extension registers is found as before, and ``pybtex.plugin.enumerate_plugin_names``
still lists every plugin (those registered here appear twice).
"""

from __future__ import annotations

from pybtex.plugin import enumerate_plugin_names, find_plugin, register_plugin
from sphinx.application import Sphinx

#: The pybtex plugin groups sphinxcontrib-bibtex looks plugins up in while formatting.
GROUPS = ("pybtex.backends", "pybtex.style.formatting", "pybtex.style.labels",
          "pybtex.style.names", "pybtex.style.sorting")


def register_installed_plugins() -> dict[str, list[str]]:
    """Register every installed plugin of :data:`GROUPS` at run time; return the names."""
    names = {}
    for group in GROUPS:
        names[group] = sorted(set(enumerate_plugin_names(group)))
        for name in names[group]:
            register_plugin(group, name, find_plugin(group, name), force=True)
    return names


def setup(app: Sphinx) -> dict:
    register_installed_plugins()
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
