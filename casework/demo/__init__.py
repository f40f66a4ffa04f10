"""The demo desk that `make run` loads (manage.py seed_demo)."""
