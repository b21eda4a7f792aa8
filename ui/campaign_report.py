"""The "Generate review" button: the campaign's review (复盘) as Markdown, HTML or PDF, archived and downloadable."""

from __future__ import annotations

import streamlit as st

from ml.campaign_access import scope_words
from ml.campaigns import Campaign
from semantic.engine import Engine
from semantic.model import SemanticModel
from ui.auth import require
from ui.governed import record_event
from ui.widgets import localized_choice
from viz.i18n import t
from viz.report import FORMATS, generate_review
from workspace.home import Workspace

MIME = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf"}
MADE = "cmp_review_file"  # (campaign, as_of, format, language) → (file name, bytes) of the last review made


def review_button(ws: Workspace, model: SemanticModel, engine: Engine, found: Campaign, lang: str) -> None:
    """Pick a format, generate (archived in the workspace's reports), then download the same bytes. A review
    weighs results against spend and budget, so a user who may not see them is told so instead."""
    if found.unavailable:
        st.caption(t("campaigns.regional.review", lang, scope=scope_words(model, engine, lang)))
        return
    choice, make, download = st.columns([1, 1, 2], vertical_alignment="bottom")
    with choice:
        fmt = localized_choice(st.selectbox, t("campaigns.review_format", lang), FORMATS, "cmp_review_format", lang,
                               lambda f: t(f"campaigns.review_formats.{f}", lang), default="html")
    wanted = (found.campaign_id, found.as_of, fmt, lang)
    if make.button(t("campaigns.review", lang), key="cmp_review_make", icon=":material/description:"):
        require("export")
        with st.spinner(t("campaigns.review_working", lang)):
            path, content = generate_review(ws, model, engine, found.campaign_id, fmt, lang, found.as_of)
        record_event("export", {"what": "campaign review", "campaign_id": found.campaign_id, "format": fmt,
                                "path": str(path)})
        st.session_state[MADE] = (wanted, path.name, content)
    made = st.session_state.get(MADE)
    if made and made[0] == wanted:
        download.download_button(t("campaigns.review_download", lang, name=made[1]), made[2], file_name=made[1],
                                 mime=MIME[fmt], key="cmp_review_download", icon=":material/download:")
        download.caption(t("campaigns.review_archived", lang))
