"""The Streamlit app's pages and session state; every computation is a call into analysis/ and report/."""
