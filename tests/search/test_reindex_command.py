"""`flask search reindex --if-empty` (run by `make run` after `db upgrade`): an upgrade that emptied the
index (the PostgreSQL move to hashed lexemes does) is rebuilt once, and an index in use is left alone."""
from extensions import db
from search.models import SearchEntry
from tests import factories


def test_an_empty_index_is_rebuilt_and_a_full_one_left_alone(app, users):
    with app.app_context():
        from accounts.models import User

        factories.make_story(db.session.get(User, users["reporter"].id), text="The bus fare was too much for me.")
        db.session.execute(db.delete(SearchEntry))
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["search", "reindex", "--if-empty"])
    assert first.exit_code == 0 and "Indexed" in first.output, first.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SearchEntry)) >= 1
    again = runner.invoke(args=["search", "reindex", "--if-empty"])
    assert again.exit_code == 0 and "already holds" in again.output, again.output
