"""The story lifecycle, as blinker signals (blinker ships with Flask).

Governance sends them; each domain connects receivers in its own
`<domain>/receivers.py` (imported at app start) and cleans up only its own
rows. Receivers flush, never commit: the sender commits once, so a withdrawal
or an erasure lands in every domain or in none. Files a receiver wants gone
go into the `files` list it is given and are deleted after the commit.
(The pattern is indico's `indico/core/signals`: a namespace of named signals,
receivers in the module that owns the data, `values_from_signal` to gather
answers.)

Every signal's sender is the story id (an int); keyword arguments:

  story_withdrawn   actor          consent was withdrawn: the story leaves every use
  story_restricted  actor          the safeguarding lead restricted it: it leaves every use for good
  story_erasing     actor, files   it is about to be erased: delete your rows of it now (flush only)
  story_usage       (none)         where is it used? return {"<domain key>": <ids and dates, no words>}

The people signals' sender is a user id:

  person_leaving    actor, files   the account is deactivated: forget what only served them (flush only)
  person_data       (none)         subject access: return {"<file name>.json": <what you hold about them>}
"""
from __future__ import annotations

from types import GeneratorType

from blinker import Namespace

_story = Namespace()

story_withdrawn = _story.signal("story-withdrawn", doc="Consent withdrawn; sender: story id; kwargs: actor.")
story_restricted = _story.signal("story-restricted", doc="Restricted by the safeguarding lead; sender: story id.")
story_erasing = _story.signal("story-erasing", doc="About to be erased; sender: story id; kwargs: actor, files.")
story_usage = _story.signal("story-usage", doc="Where the story is used; sender: story id; return a dict.")

_person = Namespace()

person_leaving = _person.signal("person-leaving", doc="Account deactivated; sender: user id; kwargs: actor, files.")
person_data = _person.signal("person-data", doc="What is held about a person; sender: user id; return a dict.")


def values_from_signal(signal_response, *, single_value: bool = False, skip_none: bool = True) -> list:
    """The values the receivers of one `signal.send(...)` returned, in connection order.

    A receiver returns one value, or a generator of several (unless `single_value`).
    """
    values = []
    for _receiver, value in signal_response:
        if not single_value and isinstance(value, GeneratorType):
            values.extend(value)
        else:
            values.append(value)
    return [v for v in values if v is not None] if skip_none else values
