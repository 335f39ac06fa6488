"""The built site in a real browser: every page loads, renders and stays on this host.

Reads the book that `make book` wrote to _build/html and serves it on 127.0.0.1.
Chromium is the system's /usr/bin/chromium (`make test` installs it with apt-get when
it is missing), driven by Playwright's Python package; no browser is ever downloaded.
A missing browser or a missing build FAILS these tests, it never skips them.

Full-page screenshots of every page, at a phone's width (390 px) and a desktop's (1280 px), go to
test-artifacts/ (git-ignored) for a human to look at.
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
            d
            for d in toc_pages()
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
        page.on(
            "console", lambda m: m.type == "error" and log["errors"].append(f"console: {m.text}")
        )
        page.on("pageerror", lambda e: log["errors"].append(f"uncaught: {e}"))
        page.on(
            "response", lambda r: r.status >= 400 and log["failed"].append(f"{r.status} {r.url}")
        )
        page.on(
            "requestfailed",
            lambda r: (
                urlsplit(r.url).netloc == host and log["failed"].append(f"{r.failure} {r.url}")
            ),
        )
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
    assert v.response is not None and v.response.status == 200, (
        f"{docname}: HTTP {v.response and v.response.status}"
    )
    _wait_for_mathjax(v.page)
    images = v.page.evaluate(
        "() => Array.from(document.images).map(i => ({src: i.currentSrc || i.src,"
        " ok: i.complete && i.naturalWidth > 0}))"
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
    hits = v.page.eval_on_selector_all(
        "#search-results ul.search li a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert hits, "search for Hebbian found nothing"
    assert any(h.split("?")[0].split("#")[0].endswith("chapters/hebbian.html") for h in hits), hits
    assert not v.external and not _unexpected(v.errors)
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.screenshot(path=str(ARTIFACTS / "search-hebbian.png"), full_page=True)


@pytest.mark.parametrize("docname", pages_with_widgets() or ["<no page with saved widget state>"])
def test_saved_widget_renders(visit, docname):
    """Widget state saved when the book was executed renders in the static page."""
    if docname.startswith("<"):
        pytest.fail(
            "no page of the book holds saved widget state"
            " (application/vnd.jupyter.widget-state+json)"
        )
    html = built(docname).read_text()
    views = len(re.findall(r'<script type="application/vnd\.jupyter\.widget-view\+json">', html))
    assert views >= 1, f"{docname} holds widget state but displays no widget"
    v = visit(f"{docname}.html")
    v.page.wait_for_selector(".jupyter-widgets", state="attached", timeout=30_000)
    rendered = v.page.evaluate(
        "() => document.querySelectorAll("
        "'.cell_output .jupyter-widgets, .output .jupyter-widgets').length"
    )
    assert rendered >= 1, f"{docname}: no widget rendered"
    # The widget manager and RequireJS come from this site, never from a CDN.
    sources = v.page.eval_on_selector_all("script[src]", "ss => ss.map(s => s.src)")
    manager = [s for s in sources if "embed-amd" in s or "require" in s]
    assert len(manager) >= 2 and all(
        urlsplit(s).netloc == urlsplit(v.page.url).netloc for s in manager
    ), manager
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
    assert "application/vnd.jupyter.widget-state+json" in html, (
        f"{EXPLORER_PAGE} holds no saved widget state"
    )
    v = visit(f"{EXPLORER_PAGE}.html")
    v.page.wait_for_selector(".widget-output", state="attached", timeout=30_000)
    found = v.page.evaluate(
        """() => ({
            controls: document.querySelectorAll(
                '.widget-checkbox, .widget-slider, .widget-dropdown, .widget-toggle-buttons'
            ).length,
            boxes: document.querySelectorAll('.widget-vbox, .widget-hbox').length,
            figures: Array.from(document.querySelectorAll('.widget-output img'))
                .filter(i => i.complete && i.naturalWidth > 0).length,
        })"""
    )
    assert found["controls"] >= 1, f"{EXPLORER_PAGE}: no rendered control in the explorer: {found}"
    assert found["figures"] >= 1, (
        f"{EXPLORER_PAGE}: the explorer's Output widget shows no figure: {found}"
    )
    assert not v.external and not v.failed and not _unexpected(v.errors), (
        v.external,
        v.failed,
        v.errors,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    explorer = v.page.locator(".widget-output").first.locator(
        "xpath=ancestor::div[contains(@class,'cell_output')][1]"
    )
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(ARTIFACTS / "explorer-chapters-hebbian.png"))


def test_no_page_references_another_host():
    """No built page or stylesheet loads a script, stylesheet, font, image or frame from
    elsewhere."""
    if not HTML.is_dir():
        pytest.fail(f"{HTML} is missing: run `make book` first (make test does)")
    loaded = re.compile(
        r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=\"(https?:)?//[^\"]*\""
        r"|<link\b(?=[^>]*\brel=\"(?:stylesheet|icon|shortcut icon|preload|modulepreload"
        r"|prefetch|manifest)\")"
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
        "mathjax/es5/tex-mml-chtml.js",
        "mathjax/LICENSE",
        "requirejs/require.js",
        "requirejs/LICENSE.txt",
        "requirejs-config.js",
        "html-manager/embed-amd.js",
        "html-manager/LICENSE.txt",
        "html-manager/embed.js.LICENSE.txt",
        "mathjax2-shim.js",
        "README.txt",
    ]:
        assert (vendor / rel).is_file(), f"{vendor / rel} is missing: site/vendor.py did not run"


# ------------------------------------------------------------------ a phone and a desktop
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture(scope="session")
def visit_at(browser, site_url):
    """visit_at(path, width) -> Page: the page opened in a browser window ``width`` pixels wide,
    typeset, with every request to another host blocked (test_page_loads_cleanly checks those)."""
    contexts, pages = {}, []
    host = urlsplit(site_url).netloc

    def _visit(path: str, width: int):
        while pages:
            pages.pop().close()
        if width not in contexts:
            contexts[width] = browser.new_context(viewport={"width": width, "height": 860})
        page = contexts[width].new_page()
        pages.append(page)
        page.route(
            "**/*",
            lambda r: r.continue_() if urlsplit(r.request.url).netloc in ("", host) else r.abort(),
        )
        page.goto(site_url + path, wait_until="networkidle", timeout=60_000)
        _wait_for_mathjax(page)
        return page

    yield _visit
    for page in pages:
        page.close()
    for context in contexts.values():
        context.close()


_SHOWN = """sel => Array.from(document.querySelectorAll(sel)).filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth
        && s.visibility !== 'hidden' && parseFloat(s.opacity) > 0.1;
}).length"""


def _shown(page, selector: str) -> int:
    """How many elements matching ``selector`` a reader can see (in the window, not hidden)."""
    return page.evaluate(_SHOWN, selector)


def _first_chapter() -> str:
    chapters = [d for d in toc_pages() if d.startswith("chapters/")]
    if not chapters:
        pytest.fail("_toc.yml lists no chapter")
    return chapters[0]


NAV = "nav.bd-docs-nav"  # the book's table of contents
PAGE_TOC = "nav.page-toc"  # the page's contents (its sections)
SEARCH = ".search-button-field, button.search-button"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_navigation_buttons_work(visit_at, width):
    """Each sidebar button a reader sees opens and closes what it names, at a phone's width and
    a desktop's; one search box is in view."""
    docname = _first_chapter()
    page = visit_at(f"{docname}.html", width)
    assert _shown(page, SEARCH) == 1, f"{_shown(page, SEARCH)} search boxes in view at {width} px"
    primary = page.locator(".bd-header-article button.primary-toggle")
    assert primary.is_visible(), f"no navigation button (☰) at {width} px"
    phone = _shown(page, NAV) == 0
    if width < 992:
        assert phone, f"at {width} px the navigation should start closed"
    primary.click()
    page.wait_for_timeout(500)
    assert _shown(page, NAV) == (1 if phone else 0), f"☰ did not {'open' if phone else 'hide'} it"
    if phone:
        page.keyboard.press("Escape")
    else:
        primary.click()
    page.wait_for_timeout(500)
    assert _shown(page, NAV) == (0 if phone else 1), "the navigation did not close/come back"

    secondary = page.locator(".bd-header-article button.secondary-toggle")
    if secondary.is_visible():
        assert _shown(page, PAGE_TOC) == 0
        secondary.click()
        page.wait_for_timeout(500)
        assert _shown(page, PAGE_TOC) == 1, f"the page-contents button opened nothing at {width} px"
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
        assert _shown(page, PAGE_TOC) == 0, f"the page contents did not close at {width} px"
    else:  # wide enough: the page contents stand beside the text
        assert _shown(page, PAGE_TOC) == 1, f"no page contents and no button for them at {width} px"


# Text a reader sees, without code, outputs printed as text, typeset math or scripts.
_PROSE = """() => { const m = document.querySelector('main').cloneNode(true);
    m.querySelectorAll('pre, code, .highlight, script, style, mjx-container, .MathJax, svg')
     .forEach(e => e.remove());
    return m.innerText; }"""
RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
RAW_TEX = re.compile(r"\$[^$\n]{1,300}\$|\\[(\[]|\\[A-Za-z_]")
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.])")


def _significant_digits(number: str) -> int:
    mantissa = re.split(r"[eE]", number)[0].replace(".", "").lstrip("0")
    return len(mantissa)


_IMAGES = """() => Array.from(document.querySelectorAll('main img')).map(i => ({
    src: (i.currentSrc || i.src).slice(0, 120), natural: i.naturalWidth,
    shown: i.getBoundingClientRect().width}))"""

# Display equations wider than their box: cut off, unless they scroll inside it.
_CUT_EQUATIONS = """() => Array.from(document.querySelectorAll('main div.math mjx-container'))
    .filter(c => c.getBoundingClientRect().right
                 > c.parentElement.getBoundingClientRect().right + 1)
    .map(c => c.textContent.slice(0, 60))"""

_ORPHAN_CAPTIONS = """() => Array.from(document.querySelectorAll('main div.cell'))
    .filter(c => !c.querySelector('.cell_output'))
    .map(c => c.nextElementSibling)
    .filter(p => p && p.tagName === 'P' && p.children.length === 1
            && p.firstElementChild.tagName === 'EM' && !p.classList.contains('figure-to-come')
            && p.textContent.trim() === p.firstElementChild.textContent.trim())
    .map(p => p.textContent.slice(0, 80))"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("docname", toc_pages())
def test_page_reads_cleanly(visit_at, docname, width):
    """Tables rendered, math typeset and never cut off, numbers rounded, images sharp, headings
    numbered once, no caption without its figure, no progress bar; a full-page screenshot goes
    to test-artifacts/."""
    built(docname)
    page = visit_at(f"{docname}.html", width)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"page-{docname.replace('/', '-')}-{width}.png"), full_page=True
    )
    prose = page.evaluate(_PROSE)
    problems = [f"raw table text {m.group(0)!r}" for m in RAW_TABLE.finditer(prose)]
    problems += [f"untypeset TeX {m.group(0)[:60]!r}" for m in RAW_TEX.finditer(prose)]
    problems += [
        f"unrounded number {m.group(0)}"
        for m in NUMBER.finditer(prose)
        if _significant_digits(m.group(0)) > 6
    ]
    for image in page.evaluate(_IMAGES):
        svg = image["src"].startswith("data:image/svg+xml") or image["src"].split("?")[0].endswith(
            ".svg"
        )
        if image["shown"] > 0 and not svg and image["natural"] < 2 * image["shown"] - 1:
            problems.append(
                f"blurry image ({image['natural']} px shown at "
                f"{image['shown']:.0f} px): {image['src']}"
            )
    headings = page.eval_on_selector_all(
        "main h1, main h2, main h3, main h4", "hs => hs.map(h => h.textContent.trim())"
    )
    problems += [
        f"heading numbered twice: {h!r}" for h in headings if re.match(r"^(\d+\.)+\s+\d+[.)]\s", h)
    ]
    problems += [
        f"caption of a figure that is not there: {c!r}" for c in page.evaluate(_ORPHAN_CAPTIONS)
    ]
    problems += [f"display equation cut off: {e!r}" for e in page.evaluate(_CUT_EQUATIONS)]
    everything = page.eval_on_selector("main", "m => m.innerText")
    problems += [f"progress bar in the page: {m.group(0)!r}"
                 for m in re.finditer(r"\[\d\d:\d\d<\d\d:\d\d, [^\]]*(it/s|s/it)\]", everything)]
    assert not problems, f"{docname} at {width} px:\n" + "\n".join(problems)


@pytest.mark.parametrize("docname", [d for d in toc_pages() if d.startswith("chapters/")])
def test_chapter_figures_are_numbered_and_captioned(docname):
    """Every chapter shows its figures as numbered figures with a caption ("Fig. 2.3 ..."); no
    figure image sits in a cell output outside one (widget previews aside)."""
    html = built(docname).read_text()
    main = html[html.index("<main") : html.index("</main>")]
    figures = re.findall(r"<figure\b.*?</figure>", main, flags=re.S)
    assert figures, f"{docname} has no numbered figure"
    for figure in figures:
        number = re.search(r'<span class="caption-number">Fig\. [\d.]+ </span>', figure)
        caption = re.search(r'<span class="caption-text">(.*?)</span>\s*<a', figure, flags=re.S)
        assert number, f"{docname}: a figure without a number: {figure[:200]}"
        assert caption and len(re.sub("<[^>]+>", "", caption.group(1)).strip()) > 20, (
            f"{docname}: a figure without a caption: {figure[:200]}"
        )
    loose = re.sub(r"<figure\b.*?</figure>", "", main, flags=re.S)
    loose = re.sub(
        r'<script type="application/vnd\.jupyter\.widget[^"]*">.*?</script>', "", loose, flags=re.S
    )
    outputs = re.findall(
        r'<div class="cell_output docutils container">(.*?)</div>\s*</div>', loose, flags=re.S
    )
    images = [o for o in outputs if re.search(r"<img\b|<svg\b", o)]
    assert not images, f"{docname}: {len(images)} figure(s) in cell outputs without a number"


def test_citations_are_numbered():
    """One citation style: every citation in the book is a number, like the bibliography."""
    found = {}
    for docname in toc_pages():
        html = built(docname).read_text()
        for text in re.findall(r'href="[^"]*references\.html#[^"]+"[^>]*>([^<]*)</a>', html):
            found.setdefault(docname, []).append(text.strip())
    assert found, "no citation anywhere in the book"
    not_numbers = {d: [t for t in ts if not t.isdigit()] for d, ts in found.items()}
    assert not any(not_numbers.values()), f"citations that are not numbers: {not_numbers}"


# ------------------------------------------------------------------ notebooks' Colab cell
# (lint-clean: `make lint` checks the chapters' code cells, this one included)
COLAB_CELL = """\
# Colab only: install the course engine from the repository (does nothing elsewhere).
import subprocess
import sys

if "google.colab" in sys.modules:
    REPO = "{url}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"hopfield_lib @ git+{{REPO}}"],
                   check=True)"""


def course_notebooks() -> list[Path]:
    found = (
        sorted(BOOK.glob("chapters/*.ipynb"))
        + sorted(BOOK.glob("solutions/*/*.ipynb"))
        + sorted(BOOK.glob("exercises/*/*.ipynb"))
    )
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
        urls = re.findall(r"REPO = \"(https://[^\"']+)\"", src)
        if urls != [repo]:
            problems.append(f"{rel}: installs from {urls}, not {repo} (_config.yml)")
    assert not problems, "\n".join(problems)
    assert len(sources) == 1
