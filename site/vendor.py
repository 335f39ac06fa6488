"""Copy the browser assets the course site serves itself into site/public/_vendor/.

`make book` runs `npm ci` in site/ (versions pinned in package-lock.json) and then
this script. Sphinx copies site/public/ to the root of the built site
(`html_extra_path` in _config.yml), so every page loads MathJax, RequireJS and the
ipywidgets HTML manager from the site itself and renders offline.

Only files the browser needs are copied, each package with its licence.
Standard library only; run from anywhere: python site/vendor.py
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
MODULES = SITE / "node_modules"
OUT = SITE / "public" / "_vendor"

# package -> list of (source relative to the package, destination relative to OUT)
ASSETS = {
    "mathjax": [
        ("es5", "mathjax/es5"),
        ("LICENSE", "mathjax/LICENSE"),
    ],
    "requirejs": [
        # MIT licence, stated in the file's own header.
        ("require.js", "requirejs/require.js"),
    ],
    "@jupyter-widgets/html-manager": [
        # embed-amd.js finds its fonts (Font Awesome, for widget icons) next to
        # itself; embed.js.LICENSE.txt lists the licences of the bundled libraries.
        ("dist", "html-manager"),
    ],
}
# Where a package ships no LICENSE file, a note with its SPDX licence is written.
LICENCE_DIR = {"mathjax": "mathjax", "requirejs": "requirejs",
               "@jupyter-widgets/html-manager": "html-manager"}
# Not needed by the browser (source maps, the non-AMD bundle).
SKIP = {"embed.js", "libembed-amd.js"}
OWN = ["requirejs-config.js", "mathjax2-shim.js"]  # our own, committed in site/


def _ignore(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n in SKIP or n.endswith(".map")]


def main() -> int:
    if not MODULES.is_dir():
        print(f"{MODULES} is missing: run `npm ci` in {SITE} first (make book does).", file=sys.stderr)
        return 1
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    versions = {}
    for package, items in ASSETS.items():
        root = MODULES / package
        meta = root / "package.json"
        if not meta.is_file():
            print(f"npm package {package} is missing from {MODULES}", file=sys.stderr)
            return 1
        info = json.loads(meta.read_text())
        versions[package] = info["version"]
        for src, dst in items:
            source, target = root / src, OUT / dst
            if not source.exists():
                print(f"{source} is missing", file=sys.stderr)
                return 1
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=_ignore, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)
        if not (root / "LICENSE").is_file():
            repo = info.get("repository", "")
            repo = repo.get("url", "") if isinstance(repo, dict) else repo
            note = OUT / LICENCE_DIR[package] / "LICENSE.txt"
            note.parent.mkdir(parents=True, exist_ok=True)
            note.write_text(
                f"{package} {info['version']} is distributed under the "
                f"{info.get('license', 'see package.json')} licence (SPDX identifier, from its package.json).\n"
                f"Source and full licence text: {repo or info.get('homepage', '')}\n")
    for name in OWN:
        shutil.copy2(SITE / name, OUT / name)
    lines = ["Browser assets served by this site (installed from npm by `make book`):", ""]
    lines += [f"  {p} {v}" for p, v in sorted(versions.items())]
    lines += ["", "Each package's licence is next to its files."]
    (OUT / "README.txt").write_text("\n".join(lines) + "\n")
    n = sum(1 for p in OUT.rglob("*") if p.is_file())
    print(f"vendored {n} files into {OUT.relative_to(SITE.parent)}: "
          + ", ".join(f"{p} {v}" for p, v in sorted(versions.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
