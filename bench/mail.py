"""The e-mail backend of the benchmark: renders every message like Django's locmem backend does, then keeps
only what the count of duplicates needs (the reminder's idempotency key and the delivery), not the message.
So the sweep is measured doing all of its own work, without an SMTP server or 100,000 messages in memory."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class FileCountingBackend(BaseEmailBackend):
    """One line per reminder a message names (its key, the delivery, the Message-ID), or per alert, appended to the file
    ``BENCH_MAIL_KEYS`` names and flushed at once, so a sweep stopped at the time cap leaves an exact count."""

    def send_messages(self, messages) -> int:
        import os

        with open(os.environ["BENCH_MAIL_KEYS"], "a", encoding="utf-8") as keys:
            for message in messages:
                message.message()
                headers = message.extra_headers
                named = headers.get("X-MC150-Reminders", "").split() or [f"alert:{headers.get('X-MC150-Alert', '')}"]
                message_id = headers.get("Message-ID", "")
                keys.writelines(f"{key}\t{headers.get('X-MC150-Delivery', '')}\t{message_id}\n" for key in named)
                keys.flush()
        return len(messages)
