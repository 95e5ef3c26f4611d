"""An admin adds a glossary word; a reporter uploads a two-voice interview and a story that uses the word;
the interview comes back labelled "Reporter" and "Storyteller", the word comes back spelled as in the
glossary, and after a theme run the facilitator's board shows none of the reporter's question words
— in a real Chromium, on the shared live site (one start for every browser journey)."""
import re
import subprocess

import pytest

from tests.browser.conftest import (check_accessibility, csp_violations, seed_demo_stories, sign_in,
                                   wait_until_analysable)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# The reporter's words: none of them is said by the storyteller or used by any seeded story.
QUESTIONS = ["Did the violin orchestra or the telescope club matter to you?",
             "Tell me about the saxophone lessons."]
QUESTION_WORDS = {"violin", "orchestra", "telescope", "saxophone", "lessons", "club"}
ANSWERS = [("When I came out of prison I had nowhere to live. The council put me in a hostel, and I waited "
            "weeks for a flat while my probation officer kept ringing the housing team for me."),
           ("What really helped was my key worker. She came with me to every appointment and she never "
            "judged me when I slipped back into drinking.")]
# tiny.en writes "subject" without the glossary and "Subutex" with it (3 runs each, en-gb voice).
GLOSSARY_WORD = "Subutex"
GLOSSARY_STORY = "I went from Subutex to something else because nobody explained the difference."

def _say(text: str, voice: str, dest) -> str:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "155", "-w", str(dest), text], check=True)
    return str(dest)


def _interview(folder) -> str:
    turns = []
    for i, (question, answer) in enumerate(zip(QUESTIONS, ANSWERS)):
        turns += [_say(question, "en-gb", folder / f"q{i}.wav"), _say(answer, "en-us+f3", folder / f"a{i}.wav")]
    out = folder / "interview.wav"
    subprocess.run(["sox", "-q", "-R", *turns, "-r", "16000", str(out), "pad", "0.3", "0.5"], check=True)
    return str(out)


def _glossary_story(folder) -> str:
    raw, out = folder / "raw.wav", folder / "medication.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(raw), GLOSSARY_STORY], check=True)
    subprocess.run(["sox", "-q", "-R", str(raw), "-r", "16000", str(out), "pad", "0.3", "0.5"], check=True)
    return str(out)


def _add_glossary_word(page) -> None:
    sign_in(page, "gail.admin@example.org")
    page.goto("/glossary")
    page.get_by_role("heading", name="Glossary").wait_for()
    check_accessibility(page)
    page.get_by_label("Add a word or short phrase").fill(GLOSSARY_WORD)
    page.get_by_role("button", name="Add").click()
    page.get_by_role("button", name=f"Remove {GLOSSARY_WORD}").wait_for()


def _upload_both(page, folder) -> dict:
    sign_in(page, "ida.reporter@example.org")
    page.goto("/stories/new/upload")
    page.get_by_label("Sound files").set_input_files([_interview(folder), _glossary_story(folder)])
    page.get_by_label("Title for file 1").fill("Coming out of prison")
    page.get_by_label("Title for file 2").fill("My medication")
    page.locator("input[name=storyteller_role][value=service_user]").check()
    page.locator("input[name=consent_scopes][value=analysis]").check()
    page.get_by_role("button", name="Save and type it up").click()
    page.get_by_role("heading", name="What happened to each file").wait_for()
    rows = page.locator("#upload-outcomes tbody tr")
    return {name: rows.filter(has_text=name).get_by_role("link").get_attribute("href")
            for name in ("interview.wav", "medication.wav")}


def _check_and_read(page, url) -> list[tuple[str, str]]:
    """Open a story, wait until it is typed up, mark it checked; (speaker, words) of each part."""
    page.goto(url)
    page.get_by_role("heading", name="Please check the words").wait_for(timeout=180_000)
    parts = [(seg.locator("select.speaker").input_value(), seg.locator(".segment-text").inner_text())
             for seg in page.locator("li.segment").all()]
    page.get_by_role("button", name="Mark as checked").click()
    page.get_by_text("The story is checked and ready.").wait_for()
    return parts


def _run_themes(page) -> str:
    sign_in(page, "fay.facilitator@example.org")
    page.get_by_role("link", name="Themes", exact=True).click()
    run_panel = page.locator("details.run-panel")
    run_panel.wait_for()
    if run_panel.get_attribute("open") is None:  # another journey on this live site may have run themes first
        run_panel.locator("summary").click()
    page.get_by_role("button", name="Find themes").click()
    page.locator(".job-progress").first.wait_for()
    page.locator(".job-progress").first.wait_for(state="detached", timeout=240_000)
    page.wait_for_selector(".theme-card", timeout=60_000)
    page.wait_for_load_state()
    check_accessibility(page)
    return page.locator("main").inner_text().lower()


def test_interview_is_labelled_glossary_word_heard_and_questions_kept_off_the_board(live_site, new_page, tmp_path):
    live_site.create_user("gail.admin@example.org", "admin")
    live_site.create_user("ida.reporter@example.org", "reporter")
    live_site.create_user("fay.facilitator@example.org", "facilitator")
    _add_glossary_word(new_page())

    seed_demo_stories(live_site, "ida.reporter@example.org", "Told ", limit=10)
    page = new_page()
    links = _upload_both(page, tmp_path)

    medication = _check_and_read(page, links["medication.wav"])
    assert GLOSSARY_WORD in " ".join(words for _, words in medication), medication

    interview = _check_and_read(page, links["interview.wav"])
    assert {speaker for speaker, _ in interview} == {"Reporter", "Storyteller"}, interview
    story_id = int(re.search(r"/stories/(\d+)", links["interview.wav"]).group(1))
    wait_until_analysable(live_site, story_id)
    assert not csp_violations(page)

    # The words the reporter was heard to say that no storyteller turn and no seeded story uses, with the
    # words they were written to say: none of them may reach the board.
    def words(text):
        return set(re.findall(r"[a-z']{4,}", text.lower()))
    others = words((ROOT / "demo/dev_stories.json").read_text()) | words(" ".join(ANSWERS))
    others |= words(" ".join(w for speaker, w in interview if speaker != "Reporter"))
    reporter_only = QUESTION_WORDS | (words(" ".join(w for s, w in interview if s == "Reporter")) - others)
    board = words(_run_themes(new_page(viewport={"width": 1400, "height": 1000})))
    assert not reporter_only & board, reporter_only & board
