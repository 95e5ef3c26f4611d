"""/healthz, /readyz and /metrics: for the monitoring address or a bearer token only."""
from __future__ import annotations

import hmac
import time

from flask import Response, abort, current_app, jsonify, request

from core.access import PUBLIC, allow
from ops import bp


def _monitor_allowed() -> bool:
    token = current_app.config.get("OPS_TOKEN")
    offered = request.headers.get("Authorization", "")
    if token and offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].strip(), str(token)):
        return True
    addresses = current_app.config.get("OPS_MONITOR_ADDRESSES") or ()
    if isinstance(addresses, str):
        addresses = [a.strip() for a in addresses.split(",") if a.strip()]
    return request.remote_addr in addresses


def _guard() -> None:
    if not _monitor_allowed():
        abort(404)  # not advertised to anyone else


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """The process is up and answering."""
    _guard()
    return jsonify(status="ok")


def _check(name: str, probe, results: dict) -> None:
    started = time.perf_counter()
    try:
        detail = probe()
        results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **(detail or {})}
    except Exception as exc:  # the reason is for the operator; no story data is involved here
        results[name] = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}


@bp.route("/readyz")
@allow(PUBLIC)
def readyz():
    """Ready to serve: the database, the queue, the media store and a live worker all answer."""
    _guard()
    from ops import readiness

    results: dict = {}
    app = current_app._get_current_object()
    _check("database", readiness.database, results)
    _check("queue", lambda: readiness.queue(app), results)
    _check("storage", readiness.storage_ok, results)
    _check("worker", readiness.worker, results)
    ready = all(r["ok"] for r in results.values())
    return jsonify(ready=ready, checks=results), 200 if ready else 503


@bp.route("/metrics")
@allow(PUBLIC)
def metrics():
    """Prometheus metrics (text exposition format)."""
    _guard()
    from ops.metrics import render_metrics

    body, content_type = render_metrics(current_app._get_current_object())
    return Response(body, mimetype=content_type.split(";")[0], headers={"Cache-Control": "no-store"})
