"""On PostgreSQL the search index holds no story words: lexemes are stored as keyed hashes.

An erased story's words must not be readable from the search tables' files afterwards
(dead tuples stay in the heap and index pages until vacuum reuses them), so they must
never have been there in plain text. The grep is proved able to find a planted word
in a table of the test's own first.
"""
import pytest
from sqlalchemy import text

from accounts.models import User
from extensions import db
from governance import services as governance
from search import services as search
from tests import factories

pytestmark = pytest.mark.services

PLANTED = "zorbluxwick"


def _relation_files(table: str) -> list[str]:
    """The files of a table, its TOAST table and every index on either (data forks only)."""
    rows = db.session.execute(text(
        "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = CAST(:t AS regclass) "
        "OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = CAST(:t AS regclass)) "
        "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = CAST(:t AS regclass) "
        "  OR indrelid = (SELECT reltoastrelid FROM pg_class WHERE oid = CAST(:t AS regclass)))"), {"t": table})
    return [r[0] for r in rows if r[0]]


def _hits_in_files(table: str, word: str) -> int:
    db.session.execute(text("CHECKPOINT"))
    needle = word.encode()
    found = 0
    for path in _relation_files(table):
        data = db.session.scalar(text("SELECT pg_read_binary_file(:p)"), {"p": path})
        found += bytes(data).lower().count(needle)
    return found


@pytest.mark.real_commits  # reads the bytes of the table files after the erasure
@pytest.mark.parametrize("db_app", ["postgresql"], indirect=True)
def test_an_erased_storys_words_are_not_in_the_search_index_files(db_app, db_users):
    with db_app.app_context():
        db.session.execute(text("CREATE TABLE grep_probe (t text)"))
        db.session.execute(text("INSERT INTO grep_probe VALUES (:t)"), {"t": f"the {PLANTED} probe"})
        db.session.commit()
        assert _hits_in_files("grep_probe", PLANTED) >= 1  # the grep finds plain words in table files
        reporter, admin = (db.session.get(User, db_users[r].id) for r in ("reporter", "admin"))
        story = factories.make_story(reporter, text=f"I told the {PLANTED} warden about the {PLANTED}s.")
        factories.make_story(reporter, text="The hostel warden was kind.")
        hits = search.search(admin, PLANTED)
        assert hits.total == 1 and PLANTED in search.plain(hits.items[0]["snippet"]).lower()
        assert "\x02" in hits.items[0]["snippet"]
        assert search.search(admin, '"told the zorbluxwick"').total == 1  # phrases still match
        governance.erase_story(story, actor=admin)
        assert search.search(admin, PLANTED).total == 0
        assert search.search(admin, "warden").total == 1
        assert _hits_in_files("search_entries", PLANTED) == 0
        assert _hits_in_files("search_entries", "warden") == 0  # a live story's words are not there either
