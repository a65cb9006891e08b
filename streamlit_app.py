"""The app: data, study, results, narrative and downloads over analysis/ and report/. Run: streamlit run streamlit_app.py"""
import streamlit as st

from ui import autosave, data_tab, downloads_tab, narrative_tab, notices, results_tab, sidebar, state, study_editor

TABS = {"Data": data_tab, "Study": study_editor, "Results": results_tab, "Narrative": narrative_tab,
        "Downloads": downloads_tab}

st.set_page_config(page_title="Coupling coordination study", page_icon=":material/hub:", layout="wide")
autosave.start()
sidebar.render()

st.title(notices.plain(state.study().title), anchor=False)
result = state.current_run()
notices.render(result)

tabs = st.tabs(list(TABS), key="tab", default="Results", on_change="rerun")
for tab, page in zip(tabs, TABS.values()):
    if tab.open:
        with tab:
            page.render(result)
