"""A real site (web process + worker process, SQLite + SQLite queue) driven by a
real headless Chromium through Playwright, with an axe-core check of every page.

Chromium is Debian's (/usr/bin/chromium, installed by scripts/system-packages.sh);
`playwright install` cannot download browsers here.
"""
from __future__ import annotations

from contextlib import contextmanager

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("STORYLOOM_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "browser-test-password-4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _environment(env: dict):
    """os.environ is `env` while the block runs (create_app reads its FLASK_* settings from there)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class LiveSite:
    url: str
    data_dir: Path
    env: dict
    processes: list = field(default_factory=list)
    _app: object = field(default=None, repr=False)

    @property
    def app(self):
        """The app as the site's web and worker processes build it (the same FLASK_* environment: data folder,
        database file, keys), for commands and rows in this test process without starting an interpreter."""
        if self._app is None:
            from app import create_app

            with _environment(self.env):
                self._app = create_app()
        return self._app

    @contextmanager
    def app_context(self):
        """The site's data in this process; its connections are closed after, so no SQLite lock outlives the block."""
        from extensions import db

        with self.app.app_context():
            try:
                yield self.app
            finally:
                db.session.remove()
                db.engine.dispose()

    def command(self, *args: str) -> str:
        """Run the real Click command `flask --app app ARGS` in this process against the site's data; its stdout.
        (cli() starts the real `flask` entry point, for tests about the command line itself.)"""
        from extensions import db

        with _environment(self.env):
            result = self.app.test_cli_runner().invoke(args=list(args))
        with self.app.app_context():
            db.engine.dispose()
        if result.exit_code != 0:
            raise AssertionError(f"flask {' '.join(args)} failed ({result.exit_code}):\n{result.output}"
                                 f"\n{result.exception!r}")
        return result.stdout

    def wait_until(self, check, *, timeout: float = 240, what: str = "") -> None:
        """Look at the site's data every 0.2 s until check() (run in the site's app context) is true."""
        from extensions import db

        deadline = time.time() + timeout
        with self.app_context():
            while True:
                db.session.rollback()  # a fresh read each time, and no read transaction held between looks
                if check():
                    return
                if time.time() > deadline:
                    raise AssertionError(f"waited {timeout} s in vain for {what or check.__name__}")
                time.sleep(0.2)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `flask --app app ARGS` against this site's data."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def create_user(self, email: str, *roles: str, name: str = "") -> str:
        args = ["users", "create", email, "--password", PASSWORD, "--name", name or email.split("@")[0].title()]
        for role in roles:
            args += ["--role", role]
        self.command(*args)
        return email


def seed_demo_stories(site: LiveSite, reporter_email: str, title: str, *, skip: tuple = (), limit=None) -> None:
    """The demo stories (demo/dev_stories.json, the first `limit`) typed in as the reporter's, titled `title` + id."""
    from accounts.models import User
    from extensions import db
    from tests import factories

    stories = json.loads((ROOT / "demo/dev_stories.json").read_text())["stories"][:limit]
    with site.app_context():
        reporter = db.session.scalar(db.select(User).where(User.email == reporter_email))
        for item in stories:
            if item["id"] not in skip:
                factories.make_story(reporter, title=title + item["id"], role=item["role"], text=item["text"])


def wait_until_analysable(site: LiveSite, story_id: int, timeout: float = 240) -> None:
    """Wait until the site's worker has transcribed the story and its governance check has cleared it for analysis."""
    from extensions import db
    from governance import policy
    from governance.models import StoryGovernance
    from stories.models import Story

    def analysable():
        if db.session.scalar(policy.analysable_story_ids().where(Story.id == story_id)) is not None:
            return True
        story, gov = db.session.get(Story, story_id), db.session.get(StoryGovernance, story_id)
        state = (story.status, gov and gov.scan_state, gov and gov.safeguarding_state)
        assert story.status != "failed" and not (gov and gov.safeguarding_state == "awaiting"), \
            f"story {story_id} is not analysable: {state}"
        return False

    site.wait_until(analysable, timeout=timeout, what=f"story {story_id} analysable")


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    with serve_site(tmp_path_factory) as site:
        yield site


@contextmanager
def serve_site(tmp_path_factory, *, worker: bool = True, settings: dict | None = None):
    """A site on a free port with its own data folder and (unless worker=False) worker, while the block runs;
    `settings`: more environment for both (FLASK_WHISPER_MODEL=base, say)."""
    data_dir = tmp_path_factory.mktemp("live-data")
    port = _free_port()
    env = dict(os.environ)
    env.update({
        "FLASK_DATA_DIR": str(data_dir),
        "FLASK_TASK_QUEUE": "sqlite",
        "FLASK_JOB_LEASE_SECONDS": "60",
        "FLASK_JOB_POLL_SECONDS": "0.2",  # a journey waits on one job after another: each starts within 0.2 s
        # One transcription process (not one per core): a journey sends a story or two at a time, and each
        # process of its own loads Whisper, spaCy and the voice encoder (~5 s of CPU) for them.
        "FLASK_HEAVY_PROCESSES": "1",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        **(settings or {}),
    })
    env.pop("FLASK_SQLALCHEMY_DATABASE_URI", None)
    site = LiveSite(url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
    # Schema from the models (migrations are checked against the models by their own test).
    from extensions import db

    with site.app_context():
        db.create_all()
    logs = open(data_dir / "site.log", "w")
    site.processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
                                           cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT))
    if worker:
        site.processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"],
                                               cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT))
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(site.url + "/login", timeout=2)
            break
        except Exception:
            if time.time() > deadline:
                raise RuntimeError((data_dir / "site.log").read_text())
            time.sleep(0.2)
    try:
        yield site
    finally:
        for process in site.processes:
            process.terminate()
        for process in site.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-packages.sh (make test does)")
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream"],
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_site):
    """new_page() opens a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_site.url, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


_CHECKED: set = set()  # the pages axe has passed in this test process, as _markup_key keys them
# The page's markup with every number and token blanked: the same page for another story, or again.
_MARKUP = r"""() => document.documentElement.outerHTML
    .replace(/value="[^"]*"/g, 'value=""').replace(/[0-9a-f]{16,}/gi, '#').replace(/[0-9]+/g, '#')"""


def _markup_key(page) -> str:
    """The page's markup, numbers, ids and tokens aside, as a key: the same markup gives axe the same
    answer, so a journey that comes back to a page (sign-in, the story list after each upload) is
    checked once; any difference (a message, a new control) is checked again."""
    size = page.viewport_size or {}  # a phone-sized screen is another check (target sizes)
    return hashlib.sha256(f"{size}\n{page.evaluate(_MARKUP)}".encode()).hexdigest()


def check_accessibility(page) -> None:
    """Run axe-core on the page; fail with a readable list of WCAG A/AA violations.

    Only once the page and its stylesheets have loaded: on a busy machine a page checked before its CSS
    arrives has browser-default link sizes (axe's target-size then fails the navigation)."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts ? document.fonts.ready.then(() => true) : true")
    key = _markup_key(page)
    if key in _CHECKED:
        return
    page.evaluate(AXE_JS)  # evaluate() is not subject to the page's CSP
    # Only violations are read: axe then keeps no node lists for what passed (resultTypes).
    results = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                            "resultTypes: ['violations']})", AXE_TAGS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
    ]
    assert not problems, f"accessibility problems on {page.url}:\n" + "\n".join(problems)
    _CHECKED.add(key)


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    check_accessibility(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def csp_violations(page) -> list:
    return page.evaluate("() => window.__cspViolations || []")


__all__ = ["check_accessibility", "sign_in", "PASSWORD", "json"]



@contextmanager
def chromium_hearing(browser, spoken: str, wav: Path):
    """A second Chromium from the same Playwright whose fake microphone plays `spoken` (espeak-ng, to `wav`)."""
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(wav), spoken], check=True)
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={wav}",
              "--autoplay-policy=no-user-gesture-required"])
    try:
        yield launched
    finally:
        launched.close()
