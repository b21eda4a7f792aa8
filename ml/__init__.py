"""Customer analytics on the warehouse: RFM, clusters, lifecycle, churn; plain Python, no streamlit."""
