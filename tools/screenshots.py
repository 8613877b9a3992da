"""Screenshots of every panel page, Turkish and English, desktop (1280 px) and phone (390 px).

    python tools/screenshots.py [folder]        # default: docs/screenshots

Runs the layout browser test (tests/web/browser/test_layout.py) against a real server filled
with data in every section, keeping one full-page PNG per page, language and width:
`<page>-<tr|en>-<desktop|phone>.png`. Needs Debian's /usr/bin/chromium and the dev extras.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots").resolve()
    environ = {**os.environ, "WABROADCAST_SCREENSHOTS": str(folder)}
    test = "tests/web/browser/test_layout.py"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", test], cwd=ROOT, env=environ)
    shots = sorted(folder.glob("*-desktop.png")) + sorted(folder.glob("*-phone.png"))
    print(f"{len(shots)} screenshots in {folder}")  # noqa: T201
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
