"""Finance exports (ISSUE 6 item 6): selectors yield rows (rows.py), column definitions name
them, writers turn them into xlsx (settlement.py, statement_xlsx.py); jobs.py runs the large
ones in Celery with progress."""
