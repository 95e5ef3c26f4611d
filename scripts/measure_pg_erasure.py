import sys, subprocess, tempfile
sys.path.insert(0, '.')
from pathlib import Path
from tests.conftest import build_app, reset_schema
from tests.services import create_pg_database, drop_pg_database
from extensions import db
url = create_pg_database()
try:
    app = build_app(Path(tempfile.mkdtemp()), SQLALCHEMY_DATABASE_URI=url)
    reset_schema(app)
    with app.app_context():
        from tests import factories
        from governance import services
        r = factories.make_user("reporter"); a = factories.make_user("admin")
        s = factories.make_story(r, title="zqpgtitlezq", text="zqpgmarkerzq waited three weeks.")
        services.erase_story(s, a)
        ddir = db.session.execute(db.text("SHOW data_directory")).scalar()
        db.session.execute(db.text("CHECKPOINT")); db.session.commit()
        dbname = url.rsplit('/',1)[1]
        oid = db.session.execute(db.text("SELECT oid FROM pg_database WHERE datname=:n"), {"n": dbname}).scalar()
    for marker in ("zqpgmarkerzq", "zqpgtitlezq"):
        hits = subprocess.run(["grep", "-rl", marker, f"{ddir}/base/{oid}", f"{ddir}/pg_wal"], capture_output=True, text=True).stdout.split()
        print(marker, "found in", len(hits), "files:", [h.replace(ddir, "") for h in hits][:6])
    with app.app_context():
        db.session.execute(db.text("COMMIT"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM FULL"); c.exec_driver_sql("CHECKPOINT")
    for marker in ("zqpgmarkerzq",):
        hits = subprocess.run(["grep", "-rl", marker, f"{ddir}/base/{oid}", f"{ddir}/pg_wal"], capture_output=True, text=True).stdout.split()
        print("after VACUUM FULL+CHECKPOINT", marker, "found in", len(hits), "files:", [h.replace(ddir, "") for h in hits][:6])
    with app.app_context(): db.engine.dispose()
finally:
    drop_pg_database(url)
