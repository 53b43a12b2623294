"""The pages' icon from an uploaded logo: the whole logo, fitted into a small transparent square,
at a neutral address; anything but an image there is not found."""

import io

from PIL import Image

from tests.support.api import Api
from tests.support.pages import Console


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(api: Api, name: str, content: bytes) -> dict[str, str]:
    answer = api.http.post(
        "/v2/assets/upload", files={"file": (name, content)}, headers=api.headers
    )
    uploaded: dict[str, str] = api.ok(answer, "asset")
    return uploaded


def test_a_wide_logo_becomes_a_square_icon(api: Api) -> None:
    logo = upload(api, "wide-logo.png", png(400, 100))
    api.ok(api.post("/v2/agency/brand/update", {"logo_url": logo["public_url"]}), "brand")
    console = Console(api, "agent").get("/console").text
    icon_url = f"/icons/{api.account_id}/{logo['id']}.png"
    assert f'<link rel="icon" href="http://testserver{icon_url}">' in console

    answer = api.http.get(icon_url)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert "hookdesk" not in answer.headers.get("cache-control", "") + icon_url
    icon = Image.open(io.BytesIO(answer.content))
    assert icon.size == (64, 64)
    assert icon.getpixel((32, 32)) == (200, 30, 30, 255)  # the logo, whole, in the middle
    assert icon.getpixel((32, 2)) == (0, 0, 0, 0)  # transparent above and below it


def test_only_an_uploaded_image_has_an_icon(api: Api) -> None:
    text = upload(api, "notes.txt", b"not an image")
    assert api.http.get(f"/icons/{api.account_id}/{text['id']}.png").status_code == 404
    fake = upload(api, "fake.png", b"not a png at all")
    assert api.http.get(f"/icons/{api.account_id}/{fake['id']}.png").status_code == 404
    unknown = "3463a4ee-5eba-45cd-9ef9-3f3a0f64329e"
    assert api.http.get(f"/icons/{api.account_id}/{unknown}.png").status_code == 404
