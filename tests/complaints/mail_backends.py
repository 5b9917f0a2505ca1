"""Mail backends for delivery tests."""

from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    """Like locmem, but the server refuses broken@shop.test."""

    def send_messages(self, messages):
        for message in messages:
            if "broken@shop.test" in message.to:
                raise ConnectionRefusedError("refused by the test server")
        return super().send_messages(messages)
