"""Admin: users and roles, data policies, and the audit log. Only for admins, checked here on the server."""

from __future__ import annotations

import streamlit as st

from ui import auth
from ui.admin_audit import audit_panel
from ui.admin_policies import policies_panel
from ui.admin_users import NOTICE, users_panel
from ui.shown import shown_errors
from ui.state import session
from viz.i18n import t

lang = session().lang
admin = auth.require("manage_users")
st.title(t("access.admin_title", lang))
st.caption(t("access.admin_subtitle", lang))
if NOTICE in st.session_state:
    st.success(st.session_state.pop(NOTICE), icon=":material/check_circle:")
users_tab, policies_tab, audit_tab = st.tabs([t("access.users", lang), t("access.policies", lang),
                                              t("access.audit", lang)])
with users_tab, shown_errors(lang):
    users_panel(admin, lang)
with policies_tab, shown_errors(lang):
    policies_panel(admin, lang)
with audit_tab, shown_errors(lang):
    auth.require("view_audit")
    audit_panel(lang)
