"""A bounded schemathesis run against a live site: no server errors, every answer as the OpenAPI document says.

The site is a real web process (tests/browser/conftest.py `serve_site`, no worker: queued
jobs just wait) holding the demo people and stories, so story ids the fuzzer tries are
found now and then. An admin's bearer token signs every call in. About 25 examples per
operation, in the examples, coverage and fuzzing phases, with a fixed seed so a failure
can be run again (`schemathesis run … --seed`); the whole run takes well under a minute.
"""
import re
import subprocess
import sys

import pytest

from tests.browser.conftest import serve_site

pytestmark = pytest.mark.slow

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory):
    with serve_site(tmp_path_factory, worker=False) as site:
        site.cli("demo")
        site.create_user("fuzz-admin@example.org", "admin")
        token = site.cli("users", "token", "fuzz-admin@example.org", "--name", "schemathesis").stdout.strip()
        yield site, token


def test_the_api_gives_no_server_errors_and_keeps_to_its_schema(fuzz_site):
    site, token = fuzz_site
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{site.url}/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {token}", "--checks", CHECKS,
         "--max-examples", str(EXAMPLES_PER_OPERATION), "--phases", "examples,coverage,fuzzing",
         "--workers", "1", "--seed", "20261202", "--no-color"],
        capture_output=True, text=True, timeout=300, env=site.env, cwd=site.data_dir)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20_000:] + "\n--- site log ---\n" + (site.data_dir / "site.log").read_text()[-5000:]
    counted = re.search(r"(\d+) generated, (\d+) passed", report)
    assert counted and int(counted[2]) == int(counted[1]) > 20 * EXAMPLES_PER_OPERATION, report[-3000:]
