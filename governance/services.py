"""Governance rules, one module per part; this module gathers their public names for callers.

Each state change is one function that audits and commits. Audit entries name
stories by id and never copy their words (the audit log is kept for good, and a
story's words may have to be erased).

  settings        retention period, always-hide list
  records         the governance rows beside each story
  scanning        redaction detection and safeguarding flags after every change of words
  redactions      reviewing, accepting, rejecting and adding redactions
  consent         withdrawal
  safeguarding    the lead's queue and decisions
  retention       deleting originals after the retention period
  erasure         erasing a story for good
  subject_access  everything held about one story
"""
from governance.consent import withdraw_consent
from governance.erasure import checkpoint_database, erase_story
from governance.errors import GovernanceError
from governance.records import flags_for, governance_for, redactions_for
from governance.redactions import (
    CONTEXT_WORDS,
    accept_all_proposed,
    accept_redaction,
    add_redaction,
    add_redaction_by_words,
    record_redaction_review_view,
    redaction_in_context,
    reject_redaction,
    review_page,
    words_visible_in_redacted,
)
from governance.retention import apply_retention, delete_originals, retention_due
from governance.safeguarding import (
    decide_safeguarding,
    recent_decisions,
    record_unredacted_view,
    safeguarding_export,
    safeguarding_queue,
)
from governance.scanning import after_transcription, scan_story, start_scan
from governance.settings import (
    DEFAULT_RETENTION_MONTHS,
    add_always_term,
    always_redact_terms,
    get_setting,
    remove_always_term,
    retention_months,
    set_retention_months,
)
from governance.subject_access import subject_access_zip, usage

# The public names are the ones imported above.
__all__ = sorted(name for name in globals() if not name.startswith("_"))
