"""Errors are logged as JSON lines: one object per event, the traceback inside it."""

import json
import logging

import pytest

from trialsite.jsonlog import JsonLinesFormatter

pytestmark = pytest.mark.django_db


def test_a_request_error_becomes_one_json_line(client, settings, caplog):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.failing_urls"
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        client.get("/failing-view/?q=1")
    record = next(r for r in caplog.records if r.name == "django.request")
    line = JsonLinesFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["method"] == "GET" and entry["path"] == "/failing-view/"
    assert entry["status"] == 500
    assert entry["error"] == "RuntimeError: a bug in a view: secret internals"
    assert "Traceback (most recent call last)" in entry["traceback"]
    assert entry["time"].endswith("+00:00")


def test_plain_messages_and_odd_values():
    record = logging.LogRecord("catalog", logging.INFO, __file__, 1, "imported %s", ("ä\n",), None)
    entry = json.loads(JsonLinesFormatter().format(record))
    assert entry["message"] == "imported ä\n"
    assert set(entry) == {"time", "level", "logger", "message"}
