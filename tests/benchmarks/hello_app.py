"""A bare hello-world Flask app for gunicorn: what the server and the client cost without any work."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ready() -> str:
    return "hello"


@app.post("/submit")
def hello() -> tuple[str, int]:
    return "hello", 201
