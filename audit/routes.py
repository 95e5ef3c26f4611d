"""The admin's view of the audit log: browse, filter, export. Never edit."""
from datetime import datetime

from flask import Response, render_template, request

from audit import bp
from audit.services import query_entries, record
from core.access import allow
from core.csvout import csv_text
from extensions import db


def _filters() -> dict:
    def day(name):
        value = request.args.get(name, "").strip()
        try:
            return datetime.strptime(value, "%Y-%m-%d") if value else None
        except ValueError:
            return None

    until = day("until")
    if until:
        until = until.replace(hour=23, minute=59, second=59)
    return {
        "action": request.args.get("action", "").strip() or None,
        "object_type": request.args.get("object_type", "").strip() or None,
        "object_id": request.args.get("object_id", "").strip() or None,
        "actor": request.args.get("actor", "").strip() or None,
        "since": day("since"),
        "until": until,
    }


@bp.route("/admin/audit")
@allow("admin")
def index():
    """Browse and filter the audit log, newest first."""
    page = max(1, request.args.get("page", 1, type=int))
    pagination = db.paginate(query_entries(**_filters()), page=page, per_page=50, error_out=False)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", pagination=pagination, args=request.args, query=query)


@bp.route("/admin/audit.csv")
@allow("admin")
def export_csv():
    """The filtered audit log as CSV (the export itself is audited)."""
    filters = _filters()
    rows = db.session.scalars(query_entries(**filters)).all()
    body = csv_text(["id", "at", "actor", "action", "object_type", "object_id", "summary", "before", "after", "ip"],
                    ([e.id, e.at.isoformat(), e.actor_label, e.action, e.object_type, e.object_id,
                      e.summary, e.before or "", e.after or "", e.ip] for e in rows))
    record("audit.exported", summary=f"{len(rows)} rows", object_type="audit_log",
           after={k: str(v) for k, v in filters.items() if v})
    db.session.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=storyloom-audit.csv"})
