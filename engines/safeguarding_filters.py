"""Precision filters of the safeguarding engine: a category's words used for something other than a disclosure.

Talk about a topic rather than a disclosure of it (training, a course, someone's
job), a past that the sentence itself says is over, idioms ("it killed me",
"dying to"), someone else's death, prescribed medication. Learned from the dev
set's lookalikes (bench/data/safeguarding_passages.py, safeguarding_dev_lookalikes.py).
`lowered` is the sentence after engines.safeguarding.normalise_asr.
"""
from __future__ import annotations

import re

# Talk about a topic rather than a disclosure of it, and things that are not what the pattern means.
_OTHER_PERSON = r"(?:someone|somebody|a (?:lad|friend|mate|girl|woman|man)|my (?:mate|friend|brother|sister|cousin|uncle|pal))"
_NOT_A_DISCLOSURE = {
    "domestic_abuse": re.compile(r"\b(?:talked about|talk about|learn(?:ed|t)? about|on the course|in the group|(?:my|the) officer (?:checks|reads)"
                                 r"|on (?:my|the|his|her) licen[cs]e|licen[cs]e conditions?)\b"),
    "self_harm": re.compile(r"\b(?:died|dying|death) (?:of|from) (?:an |a )?overdos|\b(?:film|book|programme|show)\b"
                            rf"|\b{_OTHER_PERSON}\b[^.!?]{{0,40}}\boverdosed\b|\basked (?:me )?if i'?d ever\b"),
    "threat": re.compile(r"\bthreatened with (?:eviction|court|recall|breach|prison|the sack)\b|\bthreatened to (?:leave|quit)\b"
                         r"|\b(?:(?:she|he) was|only|just) (?:laughing|joking|messing)\b|\b(?:lol|haha)\b"),
    "new_offence": re.compile(r"\bbroke into the (?:music|business|industry|scene)\b"),
    "immediate_danger": re.compile(r"\bon the (?:train|bus|tram) to (?:my|the) (?:appointment|office|probation|work|meeting|group)\b"),
}
# Any category: talk about the topic (training, policy, someone's job), a past that is plainly over, idioms.
_TOPIC_TALK = re.compile(
    r"\b(?:awareness|training|policy|risk assessments?|protection plans?|signs of|talks? (?:a lot )?about|mentions"
    r"|ask (?:everyone|people|them|every\w*) about|(?:in|on) the (?:course|programme|group)|to spot)\b")
_PAST = r"\b(?:used to|years ago|back then|when i was (?:younger|young|a kid|a child|a teenager|little|\w+teen))\b"
_OVER = (r"\b(?:not any ?more|not who i am|behind me|i'?ve changed|found other ways|never be like|since then"
         r"|now i|i'?m (?:clean|different|happy)|haven'?t (?:done|had|been))\b")
_PAST_AND_OVER = re.compile(rf"{_PAST}[^.!?]*{_OVER}|{_OVER}[^.!?]*{_PAST}")
_IDIOM = re.compile(
    r"\b(?:it|that|this|which) (?:kills|killed|is killing|was killing|nearly killed) me\b"
    r"|\b(?:feet|back|head|legs|knees|it|this|that)(?: are| is|'s| was| were) killing me\b"
    r"|\bdying (?:to|for|laughing)\b|\b(?:kill|murder) for (?:a|an|some)\b|\bkill me if i (?:miss|missed|was late|am late|forget|forgot)\b"
    r"|\bat (?:pool|darts|snooker|football|cards|fifa|chess|the quiz)\b")
_OTHERS_DEATH = re.compile(r"\b(?:died|dying|death) (?:by|of|from) (?:an? )?(?:suicide|overdos\w*)|\blost \w+(?: \w+){0,2} to (?:suicide|overdos\w*|drugs)\b")
_PRESCRIBED = re.compile(r"\b(?:tablets|meds|medication|pills)\b[^.!?]{0,30}\b(?:every (?:morning|night|day)|as prescribed|with (?:my )?(?:breakfast|tea|dinner))\b")


def not_a_disclosure(category: str, lowered: str) -> bool:
    """Words of the category used for something else: topic talk, a past that is over, an idiom, another's death."""
    if category in _NOT_A_DISCLOSURE and _NOT_A_DISCLOSURE[category].search(lowered):
        return True
    if _TOPIC_TALK.search(lowered) or _IDIOM.search(lowered):
        return True
    if category != "immediate_danger" and _PAST_AND_OVER.search(lowered):
        return True
    if category in ("self_harm", "immediate_danger") and (_OTHERS_DEATH.search(lowered) or _PRESCRIBED.search(lowered)):
        return True
    return False
