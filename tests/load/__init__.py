"""Load runs against gunicorn: run_load.py is a script, not collected; tests import its parts."""
