"""The request metrics are made once per process even when the first requests arrive together
(gunicorn serves with threads): before, two threads both made the counter and one request failed
with prometheus_client's DuplicateTimeseries."""
import subprocess
import sys

from tests.conftest import ROOT

FIRST_REQUESTS_AT_ONCE = """
import threading
from ops import metrics

start, failures = threading.Barrier(16), []

def first_request():
    start.wait()
    try:
        made = metrics._request_metrics()
        made["requests"], made["latency"]
    except Exception as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=first_request) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(failures)
raise SystemExit(1 if failures else 0)
"""


def test_sixteen_first_requests_at_once_make_the_metrics_once():
    for _ in range(3):  # a fresh process each time: the race is only at a process's first requests
        done = subprocess.run([sys.executable, "-c", FIRST_REQUESTS_AT_ONCE], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
