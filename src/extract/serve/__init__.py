"""`kehoach serve`: the HTTP API (POST /extract, batches) and the review page.

FastAPI and uvicorn are imported only when the server starts (`pip install -e '.[serve]'`), so
the other commands start as fast as before. See extract.serve.app for the routes.
"""
