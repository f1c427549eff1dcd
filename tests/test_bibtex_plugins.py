"""pybtex's plugins registered at run time are the ones its entry points name, and pybtex's
public plugin functions keep working during a build."""

from __future__ import annotations

from importlib.metadata import entry_points

import pybtex.plugin
import pytest
from pybtex.plugin import Plugin, enumerate_plugin_names, find_plugin, register_plugin
from sphinx.application import Sphinx

from bookbuild.sphinx import bibtex_plugins


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A Sphinx application that loaded the extension (its setup has run)."""
    src = tmp_path_factory.mktemp("src")
    (src / "index.rst").write_text("Essai\n=====\n")
    out = tmp_path_factory.mktemp("out")
    return Sphinx(str(src), None, str(out / "html"), str(out / "doctrees"), "html",
                  confoverrides={"extensions": ["bookbuild.sphinx.bibtex_plugins"]},
                  status=None, warning=None)


def test_registered_plugins_are_the_entry_points_classes(app):
    runtime = pybtex.plugin._RUNTIME_PLUGINS  # read only: what register_plugin filled
    for group in bibtex_plugins.GROUPS:
        installed = {ep.name: ep for ep in entry_points(group=group)}
        assert installed, group
        for name, ep in installed.items():
            assert runtime[group][name] is ep.load(), (group, name)
            assert find_plugin(group, name) is ep.load()


def test_plugin_names_can_be_enumerated_during_a_build(app):
    names = list(enumerate_plugin_names("pybtex.style.formatting"))
    assert {"plain", "unsrt", "alpha"} <= set(names)


def test_a_style_registered_by_another_extension_is_found(app):
    class Ours(Plugin):
        pass

    assert register_plugin("pybtex.style.formatting", "therapybook-test", Ours)
    assert find_plugin("pybtex.style.formatting", "therapybook-test") is Ours
    assert "therapybook-test" in set(enumerate_plugin_names("pybtex.style.formatting"))


def test_lookups_no_longer_scan_the_installed_packages(app, monkeypatch):
    def no_scan(**kwargs):
        raise AssertionError(f"pybtex scanned the entry points: {kwargs}")

    monkeypatch.setattr(pybtex.plugin, "entry_points", no_scan)  # test-only probe
    assert find_plugin("pybtex.style.formatting", "plain").__name__ == "Style"
    assert find_plugin("pybtex.backends", "docutils").__module__ == "pybtex_docutils"
    assert find_plugin("pybtex.style.names", "last") is not None
