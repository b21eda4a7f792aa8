"""A page's errors shown in words, in the reader's language; a refusal is also written to the audit log.

Every page runs its core calls inside `shown_errors`, so a BeaconError is a message on the page, never a
traceback, and a refused read (a data policy, a dashboard not shared, a tampered link) leaves an
`access_denied` entry an auditor can find.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from errors import BeaconError, PermissionDeniedError, ShareLinkError
from ui.auth import log_refusal
from viz.i18n import error_text, t


@contextmanager
def shown_errors(lang: str) -> Iterator[None]:
    """Show a BeaconError as a message on the page instead of a traceback (and log it when it is a refusal)."""
    try:
        yield
    except BeaconError as err:
        if isinstance(err, PermissionDeniedError | ShareLinkError):
            log_refusal({"reason": str(err)})
        st.error(t("app.error", lang, message=error_text(err, lang)))
