"""Real-browser checks of the built HTML book (Debian's Chromium driven by Playwright).

The session's ``book`` build is served on 127.0.0.1 by a ``http.server`` thread and
every page is opened in headless Chromium (``/usr/bin/chromium``: nothing downloads a
browser; never run ``playwright install``). Checked on every page, whatever chapters
exist: no console error, no failed request, no request leaving localhost (each one is
recorded; the browser sends it to a closed local port, :data:`PROXY`, where it fails at
once), every image decoded with a non-zero natural size, alt text on
every figure image, every internal link and anchor resolving. French search finds a
term's page. Accessibility: axe-core (npm, pinned by ``package-lock.json``, installed by
``make setup`` into ``node_modules/``) is injected into every page and finds no WCAG 2.0,
2.1 or 2.2 level A or AA violation; at a 390 px wide viewport (a phone) no page scrolls
sideways and nothing outside a scrolling box (tables, figures, code) runs past the screen.
One crawl (:func:`crawl`) serves all the per-page checks: each page is opened once on
a desktop screen and once on a phone, a few tabs at a time (:data:`TABS`).
Screenshots of the home page, the Kaplan-Meier chapter and the CAR-T pathway chapter are
saved under the scratch book's ``_build/test-artifacts/screenshots/`` (or
``$THERAPYBOOK_TEST_ARTIFACTS/screenshots``), never in the working tree; the path is
printed.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT

pytestmark = pytest.mark.build
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Every request for another machine goes to a closed port of this one and fails at once.
#: Requests are watched, not intercepted: interception would turn off Chromium's cache,
#: and every page would load and compile the theme's scripts and styles again.
PROXY = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost,[::1]"}
SCREENSHOTS = {
    "accueil": "index",
    "kaplan-meier": "chapters/these/06-etude-retrospective",
    "parcours-car-t": "chapters/article/05-parcours",
}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's tags for the success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
CDN = re.compile(r"unpkg\.com|jsdelivr|cdnjs|googleapis|gstatic|mybinder|polyfill\.io")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

# Runs in the page: force lazy images to load, wait for every decode, report them.
IMAGES_JS = """async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth,
                         height: i.naturalHeight, alt: i.getAttribute('alt'),
                         inFigure: !!i.closest('figure')}));
}"""
PAGE_JS = """() => ({
  ids: Array.from(document.querySelectorAll('[id],[name]'))
    .map(e => e.id || e.getAttribute('name')),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  svgs: Array.from(document.querySelectorAll('figure svg, .figure svg')).map(s => {
    const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
})"""


AXE_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
# Runs in the page: the page's sideways scroll, and the elements that run past the right
# edge of the screen without a scrolling (or clipping) box around them.
OVERFLOW_JS = """async () => {
  await document.fonts.ready;
  const width = document.documentElement.clientWidth;
  const boxed = el => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.position === 'fixed') return true;
      if (a !== el && style.overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > width + 1 && !boxed(el)) {
      const cls = typeof el.className === 'string' && el.className
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      const id = el.id ? '#' + el.id : '';
      out.push(`${el.tagName.toLowerCase()}${id}${cls} (${Math.round(r.right)} px)`);
    }
  }
  return {width, scrollWidth: document.scrollingElement.scrollWidth, outside: out.slice(0, 8)};
}"""


def artifacts_dir(book: Path) -> Path:
    base = Path(os.environ.get("THERAPYBOOK_TEST_ARTIFACTS", book / "_build" / "test-artifacts"))
    return base / "screenshots"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


def serve(html: Path) -> tuple[ThreadingHTTPServer, str]:
    """A server of the folder ``html`` on localhost, running in a thread, and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site(book):
    """Base URL of the built book served on localhost."""
    html = book / "_build" / "html"
    server, base = serve(html)
    yield base, html
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} absent : lancer `bash .ci/system-packages.sh` (paquet chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS,
                              proxy=PROXY)
        yield b
        b.close()


def local(url: str) -> bool:
    """A request that stays on this machine (inline data, or the local server)."""
    return url.startswith(("data:", "blob:")) or (urlsplit(url).hostname or "") in LOCAL_HOSTS


#: The book's icon (``bookbuild.sphinx.assets``): the browser fetches it once, after the
#: page has loaded, so the next navigation may cancel it.
ICON = "/_static/favicon.svg"


def left_behind(request) -> bool:
    """The icon's request, cancelled because the page was left (not a failure of the page;
    a missing icon is still an HTTP error)."""
    return request.failure == "net::ERR_ABORTED" and urlsplit(request.url).path.endswith(ICON)


def watch(page, note: Callable[[str], None], where: Callable[[], str]) -> None:
    """Report through ``note`` the console errors, exceptions, failed requests and HTTP
    errors of ``page`` (either Playwright API), each prefixed with the page ``where()``."""
    page.on("console", lambda m: m.type == "error" and note(
        f"{where()}: erreur console {m.text} ({m.location.get('url')})"))
    page.on("pageerror", lambda e: note(f"{where()}: exception JS {e}"))
    page.on("requestfailed", lambda r: left_behind(r) or note(
        f"{where()}: requête échouée {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and note(
        f"{where()}: HTTP {r.status} pour {r.url}"))


def outside(note: Callable[[str], None], where: Callable[[], str]) -> Callable:
    """A request listener that reports through ``note`` every request leaving localhost."""
    return lambda request: local(request.url) or note(
        f"{where()}: requête hors localhost {request.url}")


class Recorder:
    """Console errors, failed requests and off-localhost requests of one browser context."""

    def __init__(self, context):
        self.problems: list[str] = []
        self.page_url = ""
        context.on("request", outside(self.problems.append, lambda: self.page_url))

    def watch(self, page) -> None:
        watch(page, self.problems.append, lambda: self.page_url)


def pages_of(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0].startswith("_"))


@dataclass
class Crawl:
    """What one visit of every page found (one navigation per page serves every check)."""

    #: the URL the pages were served from (links are absolute)
    base: str = ""
    problems: list[str] = field(default_factory=list)
    images: dict[str, list[dict]] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)
    svgs: dict[str, list[list[float]]] = field(default_factory=dict)
    #: axe-core's WCAG A/AA violations per page (empty if axe-core is not installed).
    violations: dict[str, list[dict]] = field(default_factory=dict)
    #: the phone visit of each page: its width, scroll width and what runs past the screen.
    phone: dict[str, dict] = field(default_factory=dict)


#: Pages open at once in each of the two viewports. A page mostly waits (for the network
#: to go idle) or runs axe-core in its own renderer process, so a few tabs at once keep
#: both cores busy; the checks are those of one tab, page after page.
TABS = 2


async def _visit_desktop(page, url: str, rel: str, found: Crawl) -> None:
    await page.goto(url, wait_until="networkidle")
    found.images[rel] = await page.evaluate(IMAGES_JS)
    info = await page.evaluate(PAGE_JS)
    found.ids[rel], found.links[rel] = set(info["ids"]), info["links"]
    found.svgs[rel] = info["svgs"]
    if AXE.exists():  # after the page's own checks, so axe's nodes are not counted
        await page.add_script_tag(path=str(AXE))
        found.violations[rel] = await page.evaluate(AXE_JS, WCAG_A_AA)


async def _visit_phone(page, url: str, rel: str, found: Crawl) -> None:
    await page.goto(url, wait_until="load")  # requests are the desktop visit's business
    found.phone[rel] = await page.evaluate(OVERFLOW_JS)


async def _tab(context, queue, visit, found: Crawl, record: bool) -> None:
    """One tab: take pages from ``queue`` until it is empty, recording their problems."""
    page = await context.new_page()
    current = {"rel": ""}
    page.on("request", outside(found.problems.append, lambda: current["rel"]))
    if record:
        watch(page, found.problems.append, lambda: current["rel"])
    while not queue.empty():
        url, rel = queue.get_nowait()
        current["rel"] = rel
        await visit(page, url, rel, found)
    await page.close()


async def _crawl(base: str, pages: list[str]) -> Crawl:
    import asyncio

    from playwright.async_api import async_playwright

    found = Crawl(base)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS,
                                          proxy=PROXY)
        desktop = await browser.new_context(viewport={"width": 1280, "height": 900},
                                            locale="fr-FR", service_workers="block")
        phone = await browser.new_context(viewport=PHONE, locale="fr-FR",
                                          service_workers="block", is_mobile=True,
                                          has_touch=True)
        tabs = []
        for context, visit, record in ((desktop, _visit_desktop, True),
                                       (phone, _visit_phone, False)):
            queue: asyncio.Queue = asyncio.Queue()
            for rel in pages:
                queue.put_nowait((base + rel, rel))
            tabs += [_tab(context, queue, visit, found, record) for _ in range(TABS)]
        await asyncio.gather(*tabs)
        await browser.close()
    return found


def can_crawl() -> bool:
    """Chromium and Playwright are there (otherwise :func:`crawl` says what is missing)."""
    import importlib.util

    return Path(CHROMIUM).exists() and importlib.util.find_spec("playwright") is not None


def start_crawl(html: Path) -> Future:
    """Crawl the built book ``html`` in a thread of its own (its own server, its own event
    loop: the synchronous API of the other tests keeps its own); the largest pages first.

    ``tests/conftest.py`` starts it as soon as the session's book is built, so that it runs
    while the tests before this module do.
    """
    import asyncio

    server, base = serve(html)
    pages = sorted(pages_of(html), key=lambda rel: -(html / rel).stat().st_size)

    def visit_all() -> Crawl:
        try:
            return asyncio.run(_crawl(base, pages))
        finally:
            server.shutdown()
            server.server_close()

    pool = ThreadPoolExecutor(1, thread_name_prefix="crawl")
    future = pool.submit(visit_all)
    pool.shutdown(wait=False)
    return future


@pytest.fixture(scope="module")
def crawl(request, site) -> Crawl:
    """Every page opened once on a desktop screen (requests, images, ids, links, then
    axe-core on the same load) and once on a phone (see :func:`start_crawl`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} absent : lancer `bash .ci/system-packages.sh` (paquet chromium)")
    pytest.importorskip("playwright.async_api")
    started = getattr(request.config, "_therapybook_crawl", None)
    return (started or start_crawl(site[1])).result()


def test_every_page_loads_without_error_or_outside_request(crawl, site):
    assert len(crawl.images) >= 10, f"trop peu de pages : {sorted(crawl.images)}"
    assert crawl.problems == [], "\n".join(crawl.problems)


def test_no_page_references_a_cdn(site):
    _base, html = site
    bad = []
    for path in html.rglob("*.html"):
        for m in CDN.finditer(path.read_text(encoding="utf-8")):
            bad.append(f"{path.relative_to(html)}: {m.group(0)}")
    assert bad == [], "\n".join(bad)


def test_every_image_decodes_and_figures_have_alt_text(crawl):
    broken, no_alt = [], []
    images, svgs = crawl.images, crawl.svgs
    for rel, imgs in images.items():
        for img in imgs:
            if img["width"] <= 0 or img["height"] <= 0:
                broken.append(f"{rel}: {img['src']}")
            if img["inFigure"] and not (img["alt"] or "").strip():
                no_alt.append(f"{rel}: {img['src']}")
        broken += [f"{rel}: svg en ligne vide" for w, h in svgs[rel] if w <= 0 or h <= 0]
    assert broken == [], "images non décodées :\n" + "\n".join(broken)
    assert no_alt == [], "figures sans texte alternatif :\n" + "\n".join(no_alt)
    assert any(img["inFigure"] for imgs in images.values() for img in imgs), "aucune figure"


def test_every_internal_link_and_anchor_resolves(crawl, site):
    _base, html = site
    base = crawl.base
    ids, links = crawl.ids, crawl.links
    bad = []
    for rel, hrefs in links.items():
        for href in set(hrefs):
            if not href.startswith(base):
                continue  # external (DOI…): never requested by the page, not followed here
            parts = urlsplit(href)
            target = unquote(parts.path[len(urlsplit(base).path):]) or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (html / target).is_file():
                bad.append(f"{rel}: lien mort {href}")
            elif parts.fragment and target in ids and unquote(parts.fragment) not in ids[target]:
                bad.append(f"{rel}: ancre absente {href}")
    assert bad == [], "\n".join(sorted(bad))


def _pages_containing(html: Path, term: str) -> set[str]:
    found = set()
    for rel in pages_of(html):
        if rel in ("search.html", "genindex.html"):
            continue
        text = re.sub(r"<[^>]+>", " ", (html / rel).read_text(encoding="utf-8"))
        body = text.split("</nav>")[-1] if "</nav>" in text else text
        if term.lower() in body.lower():
            found.add(rel)
    return found


@pytest.mark.parametrize("term", ["teclistamab", "hypogammaglobulinémie", "lymphodéplétion"])
def test_french_search_finds_the_page(site, browser, term):
    base, html = site
    expected = _pages_containing(html, term)
    if not expected:
        pytest.skip(f"aucune page ne contient encore « {term} »")
    context = browser.new_context(locale="fr-FR")
    rec = Recorder(context)
    page = context.new_page()
    rec.watch(page)
    rec.page_url = f"search.html?q={term}"
    page.goto(f"{base}search.html?q={term}", wait_until="networkidle")
    page.wait_for_selector("ul.search li a", timeout=20_000)
    hits = page.eval_on_selector_all("ul.search li a", "as => as.map(a => a.href)")
    context.close()
    found = {urlsplit(h).path.lstrip("/") for h in hits}
    assert found & expected, f"« {term} » : résultats {sorted(found)}, attendu un de {expected}"
    assert rec.problems == [], "\n".join(rec.problems)


def test_screenshots_are_saved(site, browser):
    base, html = site
    out = artifacts_dir(html.parents[1])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    Recorder(context)
    page = context.new_page()
    for name, doc in SCREENSHOTS.items():
        assert (html / f"{doc}.html").exists(), doc
        page.goto(f"{base}{doc}.html", wait_until="networkidle")
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        assert (out / f"{name}.png").stat().st_size > 10_000
    context.close()
    print(f"\nCaptures d'écran : {out}")


def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page(crawl):
    if not AXE.exists():
        pytest.fail(f"{AXE} absent : lancer `make setup` (npm ci installe axe-core)")
    axe_violations = crawl.violations
    assert len(axe_violations) >= 10, sorted(axe_violations)
    report = [f"{rel}: {v['id']} ({v['impact']}, {v['nodes']} nœud(s)) {v['help']} — "
              f"{'; '.join(v['targets'])}"
              for rel, violations in sorted(axe_violations.items()) for v in violations]
    assert report == [], "\n".join(report)


def test_no_page_scrolls_sideways_on_a_phone(crawl):
    bad = []
    assert len(crawl.phone) == len(crawl.images), "pages vues sur un seul des deux écrans"
    for rel, info in sorted(crawl.phone.items()):
        if info["scrollWidth"] > info["width"] or info["outside"]:
            bad.append(f"{rel}: largeur {info['scrollWidth']} px pour {info['width']} px ; "
                       f"hors écran : {', '.join(info['outside']) or '—'}")
    assert bad == [], "\n".join(bad)
