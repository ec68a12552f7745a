"""Supervision during an internship: a plan per placement, check-ins, signals someone acts on, calendars and mail."""
