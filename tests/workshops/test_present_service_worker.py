"""The present-mode service worker itself (run in Node with an in-memory Cache Storage and a clock):
it drops clips whose story changed on the next load, expires what it holds after 7 days, and drops
everything on sign-out. (tests/workshops/test_present_within_consent.py covers the server side.)"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

HARNESS = Path(__file__).with_name("js") / "sw_harness.js"


def test_the_service_worker_keeps_only_current_clips_for_seven_days_and_forgets_all_on_sign_out():
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is installed by scripts/system-packages.sh"
    run = subprocess.run([node, str(HARNESS), str(ROOT / "static" / "js" / "workshops-sw.js")],
                         capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    page = "/workshops/1/present"
    assert seen["first"] == sorted([page, "/workshops/clips/7.mp3?v=aaaa", "/workshops/clips/8.mp3?v=bbbb"])
    assert seen["changed"] == sorted([page, "/workshops/clips/7.mp3?v=cccc", "/workshops/clips/8.mp3?v=bbbb"])
    assert seen["withdrawn"] == sorted([page, "/workshops/clips/7.mp3?v=cccc"])
    assert seen["servedAfterExpiry"] is False and seen["expired"] == []
    assert seen["beforeSignOut"] and seen["cachesAfterSignOut"] == []
