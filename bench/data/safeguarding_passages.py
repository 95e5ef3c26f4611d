"""The dev set of bench/safeguarding.py: the engine's labelled examples (engines/safeguarding_examples.py)."""
from engines.safeguarding_examples import CLEAR, ORDINARY  # noqa: F401
