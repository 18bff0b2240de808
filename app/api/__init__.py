"""JSON for the pages: chart series, holdings, performance, income, allocation, status (`routes.py`)."""
