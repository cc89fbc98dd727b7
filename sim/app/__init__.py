"""`coopsim app`: the planners' what-if page (Streamlit), on the same library as the command line."""
