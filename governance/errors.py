"""The one exception governance rules raise: its message is meant for the person asking."""


class GovernanceError(ValueError):
    """A rule refused the change; the message is meant for the person asking."""
