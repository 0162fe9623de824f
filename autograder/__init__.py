"""The instructor's grading pipeline for the course."""

import sys

# jsonschema (imported by nbformat to validate notebooks) builds 39 parsers for IRI format
# checks at import when the optional ``rfc3987_syntax`` is installed: 1.4 s of every grader
# start on this machine, for a check no notebook schema uses. ``None`` here makes its import
# fail as if it were missing, which jsonschema handles (it then skips that format check).
sys.modules.setdefault("rfc3987_syntax", None)
