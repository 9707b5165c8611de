"""Regenerate the README's screenshots of the HTML report (run from the repository root).

    python docs/screenshot.py

Grades two wrong submissions of the corpus with the public checks, renders their reports and photographs
them in headless Chromium (Debian's chromium and chromium-driver, selenium from the test extra, and a CJK
font such as fonts-wqy-zenhei for the Chinese):

* docs/report.png: the chapter's own answers, in Chinese: the overview names its three bugs.
* docs/report-counterexample.png: a corr2d with swapped indices, in English: the counterexample drawn.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from grader.assignment import find
from grader.engine import PUBLIC, Grader, Job
from grader.messages import catalogue
from grader.reports import html_report

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--window-size=1000,900"]
SHOTS = [
    # (submission, language, output, element to start at, height in CSS pixels)
    ("chapter_answers.ipynb", "zh", "report.png", "body", 1750),
    ("transposed_axes.py", "en", "report-counterexample.png", "#ex-corr2d", 1050),
]


def main() -> None:
    assignment = find("conv-layer", ROOT)
    work = Path(tempfile.mkdtemp(prefix="grader-screenshot-"))
    pages = []
    with Grader(assignment, visibilities=PUBLIC) as grader:
        for file, lang, out, selector, height in SHOTS:
            path = CORPUS / file
            result = grader.grade(Job(path, path.stem, f"tests/corpus/{file}"))
            page = work / f"{path.stem}-{lang}.html"
            html_report.write(result, page, catalogue(lang, assignment))
            pages.append((page, ROOT / "docs" / out, selector, height))
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + [f"--user-data-dir={work / 'profile'}"]:
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        for page, out, selector, height in pages:
            browser.get(page.as_uri())
            top = browser.execute_script(
                f"return document.querySelector('{selector}').getBoundingClientRect().top + window.scrollY")
            shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": max(0, top - 8), "width": 1000, "height": height, "scale": 1}})
            out.write_bytes(base64.b64decode(shot["data"]))
            print(f"wrote {out.relative_to(ROOT)}")
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
