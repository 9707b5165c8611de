"""The report and the class summary in a real headless Chromium: they load offline, without errors, and show.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``test`` extra (selenium); a CJK font such as
``fonts-wqy-zenhei`` makes the Chinese legible in the screenshots.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from conftest import CORPUS, ROOT, grade
from grader.messages import catalogue
from grader.reports import html_report, summary_report

pytestmark = pytest.mark.slow

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # CI runs these: a missing driver must fail, not skip
        pytest.fail("install the test extra (pip install -e .[test]) to run the browser tests")

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "install Debian's chromium and chromium-driver to run the browser tests"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1100,900"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


@pytest.fixture(scope="module")
def pages(grader_public, assignment, tmp_path_factory):
    """A report in each language for wrong submissions, one for the reference, and the class summary."""
    out = tmp_path_factory.mktemp("pages")
    results = [grade(grader_public, path) for path in
               (CORPUS / "chapter_answers.ipynb", CORPUS / "transposed_axes.py", ROOT / "reference" / "conv_layer.py")]
    zh, en = catalogue("zh", assignment), catalogue("en", assignment)
    for result in results:
        html_report.write(result, out / result.submission / "report.html", zh)
    html_report.write(results[1], out / "report-en.html", en)
    summary_report.write(results, out / "summary.html", zh)
    return {"report-zh": out / "chapter_answers" / "report.html", "report-en": out / "report-en.html",
            "reference": out / "conv_layer" / "report.html", "summary": out / "summary.html"}


def _open(browser, path):
    browser.get_log("browser"), browser.get_log("performance")  # start from clean logs
    browser.get(path.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"


def _problems(browser) -> list[str]:
    """Console errors, failed requests, and any request that leaves the file."""
    problems = [f"console: {e['message']}" for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.loadingFailed":
            problems.append(f"failed request: {message['params'].get('errorText')}")
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("file://", "data:")):
                problems.append(f"request outside the file: {url}")
    return problems


@pytest.mark.parametrize("page", ["report-zh", "report-en", "reference", "summary"])
def test_the_page_loads_offline_without_errors_and_is_not_empty(browser, pages, page, tmp_path):
    browser.set_window_size(1100, 900)
    _open(browser, pages[page])
    assert not _problems(browser)
    text = browser.execute_script("return document.body.innerText")
    assert len(text.strip()) > 300
    assert browser.execute_script("return document.querySelector('h1').getBoundingClientRect().height") > 0
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    png = base64.b64decode(shot["data"])
    (tmp_path / f"{page}.png").write_bytes(png)
    assert png.startswith(b"\x89PNG") and len(png) > 30_000  # a blank page compresses to a few kB


@pytest.mark.parametrize("page", ["report-zh", "summary"])
def test_the_page_reads_on_a_phone_without_scrolling_sideways(browser, pages, page):
    browser.set_window_size(390, 844)
    _open(browser, pages[page])
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1  # wide grids and tables scroll inside their own boxes
    browser.set_window_size(1100, 900)


def test_the_report_prints(browser, pages):
    _open(browser, pages["report-zh"])
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert not _problems(browser)


def test_the_summary_links_open_the_submissions_reports(browser, pages):
    _open(browser, pages["summary"])
    link = browser.execute_script("return document.querySelector('a[href*=\"report.html#ex-\"]').href")
    browser.get(link)
    assert "chapter_answers" in browser.title and not _problems(browser)
    target = browser.execute_script("return location.hash").lstrip("#")
    assert target.startswith("ex-") and browser.execute_script(f"return !!document.getElementById('{target}')")


# ------------------------------------------------------------------ N-D counterexamples


@pytest.fixture(scope="module")
def channel_pages(tmp_path_factory):
    """A report of a (3, 5, 5) answer with 2 wrong cells, from (3, 6, 6) inputs and (2, 3, 2, 2) kernels."""
    from grader.results import Counterexample, ExerciseResult, Outcome, Status, SubmissionResult, Visibility
    from grader.results import TestResult as Result
    from test_report_nd import flat, tensor

    shape = (3, 5, 5)
    got = tensor(shape, lambda k: k - 30 + (4.5 if k in (flat((1, 2, 3), shape), flat((2, 0, 0), shape)) else 0))
    inputs = {"X": tensor((3, 6, 6), lambda k: k % 9 - 4), "K": tensor((2, 3, 2, 2), lambda k: k % 5 - 2)}
    example = Counterexample(inputs, tensor(shape, lambda k: k - 30), got)
    test = Result("corr2d_multi_in_out(X, K) equals the reference", Outcome.FAILED, Visibility.PUBLIC,
                  "corr2d_multi_in_out(X, K) is wrong", example)
    result = SubmissionResult("conv-channels", "channels", "channels.py", 0.0, 10.0,
                              (ExerciseResult("corr2d_multi_in_out", 0.0, 10.0, Status.FAILED, (test,)),))
    out = tmp_path_factory.mktemp("channels")
    for lang in ("zh", "en"):
        html_report.write(result, out / f"{lang}.html", catalogue(lang))
    return {"zh": out / "zh.html", "en": out / "en.html"}


@pytest.mark.parametrize("lang, width", [("zh", 1100), ("en", 1100), ("zh", 390)])
def test_channels_lay_out_as_grids_in_a_row_and_kernels_as_a_grid_of_grids(browser, channel_pages, lang, width):
    browser.set_window_size(width, 900)
    _open(browser, channel_pages[lang])
    assert not _problems(browser)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1  # a wide stack scrolls inside its own figure
    boxes = browser.execute_script("""
        return [...document.querySelectorAll('table.stack')]
            .map(stack => [...stack.querySelectorAll(':scope > tbody > tr')].map(row => [...row.querySelectorAll(':scope > td > table.grid')].map(grid => {
                const r = grid.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })));""")
    x, k, expected, got, difference = boxes
    assert [len(row) for row in x] == [3] and [len(row) for row in k] == [3, 3] and [len(row) for row in got] == [3]
    for stack in boxes:
        for row in stack:  # the channels of a row side by side, in order, each drawn
            assert all(w > 0 and h > 0 for _, _, w, h in row)
            assert all(abs(a[1] - b[1]) < 1 and b[0] > a[0] + a[2] for a, b in zip(row, row[1:]))
    assert k[1][0][1] > k[0][0][1] + k[0][0][3]  # output channel 1 below output channel 0
    labels = browser.execute_script("""
        return [...document.querySelectorAll('table.stack > * > tr > th')].map(th => {
            const r = th.getBoundingClientRect(); return [th.innerText, r.width, r.height]; });""")
    words = ("通道", "输出通道", "输入通道") if lang == "zh" else ("channel", "output channel", "input channel")
    assert {text.rsplit(" ", 1)[0] for text, _, _ in labels} == set(words)
    assert all(w > 0 and h > 0 for _, w, h in labels)
    marked = browser.execute_script(
        "return [...document.querySelectorAll('td.wrong')].map(td => td.closest('table').getAttribute('aria-label'))")
    assert len(marked) == 4 and len(set(marked)) == 4  # got and difference, channels 1 and 2


def test_chinese_channel_labels_render_as_glyphs_not_boxes(browser, channel_pages):
    # A missing font draws every character as the same box: two different characters drawn alike mean no glyphs.
    _open(browser, channel_pages["zh"])
    same = browser.execute_script("""
        const th = document.querySelector('table.stack > thead > tr > th');
        const font = getComputedStyle(th).fontSize + ' ' + getComputedStyle(th).fontFamily;
        const draw = ch => { const c = document.createElement('canvas'); c.width = c.height = 40;
            const g = c.getContext('2d'); g.font = font; g.fillText(ch, 4, 30); return c.toDataURL(); };
        return [th.innerText.startsWith('通道'), draw('通') === draw('道'), draw('通') === draw(' ')];""")
    assert same == [True, False, False]
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    assert base64.b64decode(shot["data"]).startswith(b"\x89PNG")
