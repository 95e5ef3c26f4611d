"""Running Storyloom as a service: health and readiness, Prometheus metrics, structured logs
with a request id that follows a job into the worker, worker heartbeats, backup and restore."""
from flask import Blueprint

bp = Blueprint("ops", __name__)


@bp.record_once
def _install(state) -> None:
    from ops.logs import install_logging
    from ops.metrics import install_request_metrics

    install_logging(state.app)
    install_request_metrics(state.app)
