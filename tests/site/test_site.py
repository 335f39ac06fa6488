"""The built site in a real browser: every page loads, renders and stays on this host.

Reads the book that `make book` wrote to _build/html and serves it on 127.0.0.1.
Chromium is the system's /usr/bin/chromium (`make test` installs it with apt-get when
it is missing), driven by Playwright's Python package; no browser is ever downloaded.
A missing browser or a missing build FAILS these tests, it never skips them.

Screenshots of a few pages go to test-artifacts/ (git-ignored) for a human to look at.
"""
from __future__ import annotations

import functools
import json
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The book's source folder (default: this repository); set HOPFIELD_BOOK_ROOT to test a
# book built elsewhere, for example a scratch copy.
BOOK = Path(os.environ.get("HOPFIELD_BOOK_ROOT", ROOT)).resolve()
HTML = BOOK / "_build" / "html"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPOSITORY = "https://github.com/hopfield-course/hopfield-course"
COLAB = "https://colab.research.google.com"

# Console errors that are tolerated, as (regular expression, why). Everything else that
# a page logs as an error, and every uncaught exception, fails the test.
CONSOLE_ERROR_ALLOW = [
    # (empty) The build removes the known sources of noise instead of tolerating them:
    # sphinx-thebe's duplicate `const THEBE_JS_URL` (the extension is not loaded), the
    # "invalid theme mode" message (html_context default_mode), the /favicon.ico 404
    # (html.favicon), the widget manager's MathJax 2 call (site/mathjax2-shim.js) and its
    # font 404s (site/requirejs-config.js).
]


# ------------------------------------------------------------------ the book's pages
def _load_yaml(name: str) -> dict:
    path = BOOK / name
    if not path.is_file():
        pytest.fail(f"{path} is missing")
    return yaml.safe_load(path.read_text())


def _toc_docnames(node) -> list[str]:
    names = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                names.append(str(node[key]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                names += _toc_docnames(child)
    elif isinstance(node, list):
        for child in node:
            names += _toc_docnames(child)
    return names


def toc_pages() -> list[str]:
    """Docnames (paths without suffix) of every page in _toc.yml, in reading order."""
    names = []
    for name in _toc_docnames(_load_yaml("_toc.yml")):
        name = re.sub(r"\.(md|ipynb)$", "", name)
        if name not in names:
            names.append(name)
    return names


def source_of(docname: str) -> Path:
    for suffix in (".ipynb", ".md"):
        path = BOOK / f"{docname}{suffix}"
        if path.is_file():
            return path
    pytest.fail(f"no source file for toc entry {docname!r} (looked for .ipynb and .md)")


def notebook_pages() -> list[str]:
    """Toc pages written as notebooks (the pages that get a launch button)."""
    return [d for d in toc_pages() if (BOOK / f"{d}.ipynb").is_file()]


def built(docname: str) -> Path:
    path = HTML / f"{docname}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make book` first (make test does)")
    return path


def pages_with_widgets() -> list[str]:
    """Pages whose HTML holds saved widget state (found at collection time)."""
    try:
        return [
            d for d in toc_pages()
            if (HTML / f"{d}.html").is_file()
            and "application/vnd.jupyter.widget-state+json" in (HTML / f"{d}.html").read_text()
        ]
    except BaseException:  # a missing _toc.yml fails in the tests themselves
        return []


# ------------------------------------------------------------------ server and browser
@pytest.fixture(scope="session")
def site_url():
    """Serve _build/html on 127.0.0.1, a free port, in a thread."""
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML} holds no built book: run `make book` first (make test does)")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - requirements.txt has playwright
        pytest.fail(f"Playwright's Python package is missing: {exc}")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page load, with everything the page tried to do that a test may care about."""

    def __init__(self, page, response, log):
        self.page, self.response = page, response
        self.errors, self.external, self.failed = log["errors"], log["external"], log["failed"]


@pytest.fixture(scope="session")
def visit(browser, site_url):
    """visit(path) -> Visit: open a page of the site, block and record off-site requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    host = urlsplit(site_url).netloc
    pages = []

    def _visit(path: str, wait_until: str = "networkidle") -> Visit:
        while pages:  # one open page at a time
            pages.pop().close()
        page = context.new_page()
        pages.append(page)
        log = {"errors": [], "external": [], "failed": []}

        def route(r):
            url = urlsplit(r.request.url)
            if url.scheme in ("data", "blob", "about") or url.netloc == host:
                r.continue_()
            else:
                log["external"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and log["errors"].append(f"console: {m.text}"))
        page.on("pageerror", lambda e: log["errors"].append(f"uncaught: {e}"))
        page.on("response", lambda r: r.status >= 400 and log["failed"].append(f"{r.status} {r.url}"))
        page.on("requestfailed", lambda r: urlsplit(r.url).netloc == host
                and log["failed"].append(f"{r.failure} {r.url}"))
        response = page.goto(site_url + path, wait_until=wait_until, timeout=60_000)
        return Visit(page, response, log)

    yield _visit
    for page in pages:
        page.close()
    context.close()


def _unexpected(errors: list[str]) -> list[str]:
    return [e for e in errors if not any(re.search(rx, e) for rx, _why in CONSOLE_ERROR_ALLOW)]


def _wait_for_mathjax(page) -> None:
    """Wait until MathJax 3 (if the page loads it) has finished its first typesetting."""
    page.wait_for_load_state("load")
    if page.locator("script[src*='mathjax/es5/']").count() == 0:
        return
    page.wait_for_function(
        "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise",
        timeout=30_000,
    )
    page.evaluate("() => window.MathJax.startup.promise.then(() => true)")


# ------------------------------------------------------------------ tests
def test_toc_lists_the_course():
    pages = toc_pages()
    assert pages[0] == "intro"
    for required in ["setup", "notation", "references", "instructor", "chapters/hebbian"]:
        assert required in pages, f"{required} missing from _toc.yml"
    for docname in pages:
        source_of(docname)


@pytest.mark.parametrize("docname", toc_pages())
def test_page_loads_cleanly(visit, docname):
    """HTTP 200, every image decodes, no request leaves the host, no console errors."""
    built(docname)
    v = visit(f"{docname}.html")
    assert v.response is not None and v.response.status == 200, f"{docname}: HTTP {v.response and v.response.status}"
    _wait_for_mathjax(v.page)
    images = v.page.evaluate(
        "() => Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0}))"
    )
    broken = [i["src"] for i in images if not i["ok"]]
    assert not broken, f"{docname}: images that did not decode: {broken}"
    assert not v.external, f"{docname}: requests to other hosts: {v.external}"
    assert not v.failed, f"{docname}: failed requests: {v.failed}"
    assert not _unexpected(v.errors), f"{docname}: console errors: {_unexpected(v.errors)}"
    # Raw TeX left in the prose (code and outputs aside) means MathJax did not run.
    text = v.page.evaluate(
        """() => { const m = document.querySelector('main').cloneNode(true);
                   m.querySelectorAll('pre, code, .highlight, script').forEach(e => e.remove());
                   return m.textContent; }"""
    )
    assert "\\(" not in text and "\\[" not in text, f"{docname}: untypeset math in the page text"


def test_math_is_typeset(visit):
    """MathJax 3, served by the site itself, turns the notation page's math into mjx-container."""
    v = visit("notation.html")
    _wait_for_mathjax(v.page)
    src = v.page.eval_on_selector("script[src*='mathjax/es5/']", "s => s.src")
    assert urlsplit(src).netloc == urlsplit(v.page.url).netloc, f"MathJax is loaded from {src}"
    assert v.page.evaluate("() => window.MathJax.version").startswith("3.")
    n = v.page.locator("mjx-container").count()
    assert n >= 20, f"only {n} typeset formulas on the notation page"
    # The equations use MathJax's own fonts, served from this site.
    assert v.page.locator("mjx-container[display='true']").count() >= 2
    assert not v.external


@pytest.mark.parametrize("docname", notebook_pages() or ["<no notebook page>"])
def test_colab_launch_link(docname):
    """Every notebook page opens its own notebook in Colab, from the repository's main branch."""
    if docname.startswith("<"):
        pytest.fail("no page of _toc.yml is a notebook")
    config = _load_yaml("_config.yml")
    repo = config["repository"]["url"].rstrip("/")
    branch = config["repository"].get("branch", "main")
    assert repo == REPOSITORY and branch == "main"
    assert config["launch_buttons"]["colab_url"].rstrip("/") == COLAB
    expected = f"{COLAB}/github/{urlsplit(repo).path.strip('/')}/blob/{branch}/{docname}.ipynb"
    html = built(docname).read_text()
    links = set(re.findall(r'href="(https://colab\.research\.google\.com/[^"]*)"', html))
    assert links == {expected}, f"{docname}: Colab links {links}, expected {expected}"


def test_search_finds_hebbian(visit):
    v = visit("search.html?q=Hebbian")
    v.page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    hits = v.page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.getAttribute('href'))")
    assert hits, "search for Hebbian found nothing"
    assert any(h.split("?")[0].split("#")[0].endswith("chapters/hebbian.html") for h in hits), hits
    assert not v.external and not _unexpected(v.errors)
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.screenshot(path=str(ARTIFACTS / "search-hebbian.png"), full_page=True)


@pytest.mark.parametrize("docname", pages_with_widgets() or ["<no page with saved widget state>"])
def test_saved_widget_renders(visit, docname):
    """Widget state saved when the book was executed renders in the static page."""
    if docname.startswith("<"):
        pytest.fail("no page of the book holds saved widget state (application/vnd.jupyter.widget-state+json)")
    html = built(docname).read_text()
    views = len(re.findall(r'<script type="application/vnd\.jupyter\.widget-view\+json">', html))
    assert views >= 1, f"{docname} holds widget state but displays no widget"
    v = visit(f"{docname}.html")
    v.page.wait_for_selector(".jupyter-widgets", state="attached", timeout=30_000)
    rendered = v.page.evaluate(
        "() => document.querySelectorAll('.cell_output .jupyter-widgets, .output .jupyter-widgets').length"
    )
    assert rendered >= 1, f"{docname}: no widget rendered"
    # The widget manager and RequireJS come from this site, never from a CDN.
    sources = v.page.eval_on_selector_all("script[src]", "ss => ss.map(s => s.src)")
    manager = [s for s in sources if "embed-amd" in s or "require" in s]
    assert len(manager) >= 2 and all(urlsplit(s).netloc == urlsplit(v.page.url).netloc for s in manager), manager
    assert not v.external, f"{docname}: requests to other hosts: {v.external}"
    assert not v.failed, f"{docname}: failed requests: {v.failed}"
    assert not _unexpected(v.errors), f"{docname}: console errors: {_unexpected(v.errors)}"
    ARTIFACTS.mkdir(exist_ok=True)
    first = v.page.locator(".jupyter-widgets").first
    first.scroll_into_view_if_needed()
    v.page.screenshot(path=str(ARTIFACTS / f"widget-{docname.replace('/', '-')}.png"))


# The page whose saved explorer widget is checked in detail: the Hebbian chapter's
# "choose what to store" explorer (checkboxes, a slider, a dropdown and an Output
# widget holding the figure drawn at build time).
EXPLORER_PAGE = "chapters/hebbian"


def test_hebbian_explorer_widget_renders(visit):
    """The interactive explorer of chapters/hebbian, saved at build time, renders offline:
    its controls and the figure its Output widget captured."""
    html = built(EXPLORER_PAGE).read_text()
    assert "application/vnd.jupyter.widget-state+json" in html, f"{EXPLORER_PAGE} holds no saved widget state"
    v = visit(f"{EXPLORER_PAGE}.html")
    v.page.wait_for_selector(".widget-output", state="attached", timeout=30_000)
    found = v.page.evaluate(
        """() => ({
            controls: document.querySelectorAll('.widget-checkbox, .widget-slider, .widget-dropdown, .widget-toggle-buttons').length,
            boxes: document.querySelectorAll('.widget-vbox, .widget-hbox').length,
            figures: Array.from(document.querySelectorAll('.widget-output img')).filter(i => i.complete && i.naturalWidth > 0).length,
        })"""
    )
    assert found["controls"] >= 1, f"{EXPLORER_PAGE}: no rendered control in the explorer: {found}"
    assert found["figures"] >= 1, f"{EXPLORER_PAGE}: the explorer's Output widget shows no figure: {found}"
    assert not v.external and not v.failed and not _unexpected(v.errors), (v.external, v.failed, v.errors)
    ARTIFACTS.mkdir(exist_ok=True)
    explorer = v.page.locator(".widget-output").first.locator("xpath=ancestor::div[contains(@class,'cell_output')][1]")
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(ARTIFACTS / "explorer-chapters-hebbian.png"))


def test_no_page_references_another_host():
    """No built page or stylesheet loads a script, stylesheet, font, image or frame from elsewhere."""
    if not HTML.is_dir():
        pytest.fail(f"{HTML} is missing: run `make book` first (make test does)")
    loaded = re.compile(
        r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=\"(https?:)?//[^\"]*\""
        r"|<link\b(?=[^>]*\brel=\"(?:stylesheet|icon|shortcut icon|preload|modulepreload|prefetch|manifest)\")"
        r"[^>]*\bhref=\"(https?:)?//[^\"]*\""
        r"|@import\s+url\((['\"]?)(https?:)?//"
    )
    offenders = {}
    for page in HTML.rglob("*.html"):
        if "_vendor" in page.parts:
            continue
        found = [m.group(0)[:160] for m in loaded.finditer(page.read_text(errors="replace"))]
        if found:
            offenders[str(page.relative_to(HTML))] = found
    remote_css = re.compile(r"(?:url\(\s*['\"]?|@import\s+['\"])(?:https?:)?//[^)'\"\s]*")
    for sheet in HTML.rglob("*.css"):
        found = remote_css.findall(sheet.read_text(errors="replace"))
        if found:
            offenders[str(sheet.relative_to(HTML))] = found[:5]
    assert not offenders, json.dumps(offenders, indent=1)


def test_vendored_assets_with_licences():
    vendor = HTML / "_vendor"
    for rel in [
        "mathjax/es5/tex-mml-chtml.js", "mathjax/LICENSE",
        "requirejs/require.js", "requirejs/LICENSE.txt", "requirejs-config.js",
        "html-manager/embed-amd.js", "html-manager/LICENSE.txt", "html-manager/embed.js.LICENSE.txt",
        "mathjax2-shim.js", "README.txt",
    ]:
        assert (vendor / rel).is_file(), f"{vendor / rel} is missing: site/vendor.py did not run"


def test_screenshots(visit):
    """Full-page screenshots of a few pages, in test-artifacts/, for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    notebooks = notebook_pages()
    chapters = [d for d in notebooks if d.startswith("chapters/")][:2]
    exercises = [d for d in notebooks if d.startswith("exercises/")][:1]
    wanted = ["intro", "notation", "setup"] + chapters + exercises
    for docname in wanted:
        v = visit(f"{docname}.html")
        _wait_for_mathjax(v.page)
        path = ARTIFACTS / f"page-{docname.replace('/', '-')}.png"
        v.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{path} looks empty"


# ------------------------------------------------------------------ notebooks' Colab cell
COLAB_CELL = """\
# Colab only: install the course engine from the repository (does nothing elsewhere).
import subprocess, sys
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "hopfield_lib @ git+{url}"], check=True)"""


def course_notebooks() -> list[Path]:
    found = sorted(BOOK.glob("chapters/*.ipynb")) + sorted(BOOK.glob("solutions/*/*.ipynb")) \
        + sorted(BOOK.glob("exercises/*/*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def test_colab_install_cell_is_identical_everywhere():
    """The first cell of every notebook is the same Colab install cell, tagged remove-cell,
    installing from the repository URL configured once in _config.yml."""
    repo = _load_yaml("_config.yml")["repository"]["url"].rstrip("/")
    expected = COLAB_CELL.format(url=repo)
    notebooks = course_notebooks()
    kinds = {p.relative_to(BOOK).parts[0] for p in notebooks}
    assert kinds == {"chapters", "solutions", "exercises"}, f"notebooks found only under {kinds}"
    problems, sources = [], set()
    for path in notebooks:
        nb = json.loads(path.read_text())
        cell = nb["cells"][0]
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        rel = path.relative_to(BOOK)
        sources.add(src.rstrip("\n"))
        if cell["cell_type"] != "code":
            problems.append(f"{rel}: first cell is {cell['cell_type']}, not the Colab install cell")
            continue
        if src.rstrip("\n") != expected:
            problems.append(f"{rel}: first cell differs from the Colab install cell")
        if "remove-cell" not in cell.get("metadata", {}).get("tags", []):
            problems.append(f"{rel}: Colab install cell is not tagged remove-cell")
        urls = re.findall(r"git\+(https://[^\"']+)", src)
        if urls != [repo]:
            problems.append(f"{rel}: installs from {urls}, not {repo} (_config.yml)")
    assert not problems, "\n".join(problems)
    assert len(sources) == 1
