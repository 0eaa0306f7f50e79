"""Outgoing e-mail: a durable outbox table, SMTP or ``.eml`` files, notifications, preferences
and one-click unsubscribe (issue 12)."""
