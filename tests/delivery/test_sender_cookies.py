"""The sender keeps no cookies: a receiver's Set-Cookie would otherwise go back with every later
delivery to its host, whichever endpoint and account they are for."""

from hookdesk.webhooks.dispatch.http1 import Http1Sender
from hookdesk.webhooks.dispatch.sender import Request
from tests.support.receivers import Receiver, Reply


async def test_a_cookie_a_receiver_sets_is_never_sent_back() -> None:
    receiver = Receiver()
    try:
        receiver.reply_with(Reply(headers={"Set-Cookie": "session=abc; Path=/"}))
        # By its name: aiohttp's cookie jar kept no cookie of a host given as an IP address.
        url = receiver.url.replace("127.0.0.1", "localhost")
        async with Http1Sender(timeout=5, allow_private=True, user_agent="t") as sender:
            for _ in range(2):
                result = await sender.send(Request(url, b"{}", {}))
                assert result.status_code == 200, result.error
        first, second = receiver.wait_for(2)
    finally:
        receiver.close()
    assert "cookie" not in first.headers
    assert "cookie" not in second.headers
