"""The chat UI in real Chromium (Playwright): ask, follow up, read the highlighted source, upload
an article and get it cited, and check that markup inside an article stays inert text.

The app runs as a subprocess (`python app.py`) on a free port with a temp store, which it fills
with the bundled corpus. Chromium is the system one (`apt-get install chromium`); Playwright's
own browsers are never downloaded. Without Chromium the module is skipped, except under CI=true,
where that is a failure. Screenshots of the main states go to tests/artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("ARTICLE_QA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"

S400 = "How much did Türkiye pay for the S-400 systems?"
S400_SENTENCE = (
    "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
)
VARNHOLM = """Varnholm opens new ferry terminal

The new ferry terminal in Varnholm cost 48 million euros, harbour master Olav Brekke said on Tuesday.

The terminal was paid for by the regional council and took two years to build.

Ferries to the outer islands will leave from the new terminal six times a day starting in March.
"""
VARNHOLM_SENTENCE = (
    "The new ferry terminal in Varnholm cost 48 million euros, harbour master Olav Brekke said "
    "on Tuesday."
)
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
EVIL = f"""Lighthouse keepers {SCRIPT} strike in Tessby {IMG}

Lighthouse keepers in the port of Tessby walked off the job on Monday over pay, the keepers' union said.

The union said the strike would last nine days. {SCRIPT} The notice was posted {IMG} on the harbour office door.

The Tessby port authority said ships would be guided by radio while the keepers were away.
"""


def _chromium_or_skip() -> str:
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the playwright package is not installed (pip install -e '.[dev]')"
    else:
        if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
            problem = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if problem:
        if IN_CI:
            pytest.fail(f"browser test cannot run in CI: {problem}")
        pytest.skip(problem)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _chromium_or_skip()
    work = tmp_path_factory.mktemp("ui")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(
        ARTICLE_QA_STORE_PATH=str(work / "store"),
        ARTICLE_QA_UI_UPLOAD_PATH=str(work / "uploads"),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONIOENCODING="utf-8",
    )
    log = open(work / "app.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 150
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited early:\n{(work / 'app.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start:\n{(work / 'app.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(app_url: str):  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=_chromium_or_skip(),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        pg = browser.new_page(viewport={"width": 1440, "height": 900})
        pg.set_default_timeout(30_000)
        pg.goto(app_url)
        pg.wait_for_selector("#aqa-chat")
        yield pg
        browser.close()


def ask(page, question: str) -> None:  # noqa: ANN001
    """Ask and wait until the answer to this question has fully arrived."""
    before = page.locator("#aqa-sources section.aqa-turn").count()
    page.fill("#aqa-input textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#aqa-sources section.aqa-turn').length > n", arg=before
    )
    page.wait_for_timeout(300)  # the scroll-into-view that follows the answer


def last_bot_message(page):  # noqa: ANN001, ANN201
    return page.locator("#aqa-chat [data-testid='bot']").last


def visible_turn(page):  # noqa: ANN001, ANN201
    return page.locator("#aqa-sources section.aqa-turn:not([hidden])")


def test_empty_screen_offers_examples_from_the_corpus(page) -> None:  # noqa: ANN001
    examples = page.locator("#aqa-chat .example")
    if examples.count() == 0:  # Gradio's class names vary; fall back to the visible text
        examples = page.get_by_role("button", name="S-400")
    page.wait_for_timeout(300)
    page.screenshot(path=SHOTS / "1-empty-with-examples.png")
    text = page.locator("#aqa-chat").inner_text()
    assert "S-400" in text or "Putin" in text, text
    assert "2 articles" in page.locator("#aqa-header").inner_text()


def test_answer_cites_and_highlights_the_exact_sentence(page) -> None:  # noqa: ANN001
    ask(page, S400)
    message = last_bot_message(page)
    assert "$2.5 billion" in message.inner_text()
    ref = message.locator("a.aqa-ref").first
    assert ref.inner_text() == "[1]"
    card = visible_turn(page).locator("article.aqa-card").first
    assert card.locator(".aqa-outlet").text_content() == "Anadolu Agency"
    assert "Putin, Erdogan did not discuss S-400 issue" in card.locator(".aqa-title").inner_text()
    ref.click()
    active = page.locator("#aqa-sources mark.aqa-hl.aqa-active")
    active.wait_for()
    assert active.inner_text() == S400_SENTENCE
    assert active.get_attribute("id") == "aqa-cite-0-1"
    assert active.is_visible()
    page.wait_for_timeout(400)
    page.screenshot(path=SHOTS / "2-answer-with-highlighted-source.png")


def test_follow_up_uses_the_conversation(page) -> None:  # noqa: ANN001
    ask(page, "What did Türkiye buy from Russia in 2017?")
    ask(page, "How much did they cost?")
    assert "$2.5 billion" in last_bot_message(page).inner_text()
    marks = visible_turn(page).locator("mark.aqa-hl")
    assert S400_SENTENCE in [marks.nth(i).inner_text() for i in range(marks.count())]
    # an earlier turn's [n] brings that turn's sources back
    page.locator("#aqa-chat a.aqa-ref[href='#aqa-cite-0-1']").click()
    page.wait_for_timeout(200)
    assert visible_turn(page).get_attribute("data-turn") == "0"


def test_abstention_is_plain_and_shows_related_reading(page) -> None:  # noqa: ANN001
    ask(page, "What is the capital of France?")
    assert "do not answer" in last_bot_message(page).inner_text()
    turn = visible_turn(page)
    assert turn.locator(".aqa-related-head").text_content() == "Related reading — not an answer"
    assert turn.locator("mark.aqa-hl").count() == 0
    assert turn.locator(".aqa-related-card").count() >= 1
    page.screenshot(path=SHOTS / "3-abstention-related-reading.png")


def test_upload_then_ask_cites_the_new_article(page, tmp_path: Path) -> None:  # noqa: ANN001
    good = tmp_path / "Varnholm ferry (final).txt"
    good.write_text(VARNHOLM, encoding="utf-8")
    evil = tmp_path / "tessby.txt"
    evil.write_text(EVIL, encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#aqa-upload input[type=file]").set_input_files([str(good), str(evil)])
    page.get_by_role("button", name="Add to the store").wait_for()
    page.wait_for_timeout(500)  # the upload to the server finishes
    page.get_by_role("button", name="Add to the store").click()
    page.wait_for_function(
        "() => (document.querySelector('#aqa-summary textarea') || {}).value?.startsWith('added')",
        timeout=90_000,
    )
    summary = page.locator("#aqa-summary textarea").input_value()
    assert summary.startswith("added 2"), summary
    table = page.locator("#aqa-corpus").inner_text()
    assert "Varnholm opens new ferry terminal" in table
    assert "Varnholm-ferry-final.txt" in table  # the sanitized upload name
    assert SCRIPT in table and IMG in table  # markup in a title is shown as text
    page.wait_for_timeout(1000)  # let the refreshed components settle before the picture
    page.screenshot(path=SHOTS / "4-corpus-after-upload.png", full_page=True)
    page.get_by_role("tab", name="Ask").click()
    ask(page, "How much did the Varnholm ferry terminal cost?")
    assert "48 million euros" in last_bot_message(page).inner_text()
    card = visible_turn(page).locator("article.aqa-card").first
    assert card.locator(".aqa-title").inner_text() == "Varnholm opens new ferry terminal"
    assert card.locator("mark.aqa-hl").first.inner_text() == VARNHOLM_SENTENCE


def test_markup_in_an_article_is_inert_text(page) -> None:  # noqa: ANN001
    ask(page, "How many days will the Tessby lighthouse strike last?")
    card = visible_turn(page).locator("article.aqa-card").first
    assert card.locator(".aqa-title").inner_text() == (
        f"Lighthouse keepers {SCRIPT} strike in Tessby {IMG}"
    )
    body = card.locator(".aqa-body").inner_text()
    assert SCRIPT in body and IMG in body
    assert card.locator("script, img").count() == 0
    assert page.locator("#aqa-sources script, #aqa-sources img, #aqa-corpus img").count() == 0
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    page.screenshot(path=SHOTS / "5-inert-markup.png")


def test_errors_are_readable_messages(page) -> None:  # noqa: ANN001
    page.get_by_text("Answer settings").click()
    page.get_by_label("As of (optional)").fill("not a date")
    page.fill("#aqa-input textarea", S400)
    page.keyboard.press("Enter")
    toast = page.get_by_text("as_of must be a date (YYYY-MM-DD)")
    toast.wait_for()
    assert "Traceback" not in page.locator("body").inner_text()
    assert page.locator("#aqa-input textarea").input_value() == S400  # kept for a retry
    page.get_by_label("As of (optional)").fill("")
    page.get_by_text("Answer settings").click()


def test_export_downloads_markdown_with_citations(page) -> None:  # noqa: ANN001
    with page.expect_download() as info:
        page.locator("#aqa-export").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert f"## Q1. {S400}" in text
    assert S400_SENTENCE in text and "characters 615–702" in text


def test_clear_conversation_empties_chat_and_sources(page) -> None:  # noqa: ANN001
    page.get_by_role("button", name="Clear conversation").click()
    page.wait_for_function("() => !document.querySelector('#aqa-sources section.aqa-turn')")
    assert page.locator("#aqa-chat [data-testid='bot']").count() == 0
