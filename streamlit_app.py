"""The app: data, study, results, narrative and downloads over analysis/ and report/. Run: streamlit run streamlit_app.py"""
import streamlit as st

from ui import autosave, data_tab, downloads_tab, narrative_tab, notices, results_tab, sidebar, state, study_editor
from ui.text import TABS, t

PAGES = dict(zip(TABS, (data_tab, study_editor, results_tab, narrative_tab, downloads_tab), strict=True))

autosave.start()
st.set_page_config(page_title=t("page_title"), page_icon=":material/hub:", layout="wide")
sidebar.render()

st.title(notices.plain(state.study().title), anchor=False)
result = state.current_run()
notices.render(result)

tabs = st.tabs([t(name) for name in PAGES], key=sidebar.TAB, default=t("tab_results"), on_change="rerun")
for tab, page in zip(tabs, PAGES.values(), strict=True):
    if tab.open:
        with tab:
            page.render(result)
