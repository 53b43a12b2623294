"""The contrast rule every page's buttons and links follow (accounts/brand.py), against ratios
known from the WCAG 2 definition."""

from urllib.parse import unquote

import pytest

from hookdesk.accounts.brand import (
    DARK,
    WHITE,
    Brand,
    contrast_ratio,
    link_on_white,
    text_on,
)


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ("#ffffff", "#000000", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#ffffff", "#777777", 4.48),
        ("#000000", "#777777", 4.69),
        ("#ffffff", "#767676", 4.54),
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
    ],
)
def test_contrast_ratios_match_the_known_ones(a: str, b: str, ratio: float) -> None:
    assert round(contrast_ratio(a, b), 2) == ratio
    assert contrast_ratio(a, b) == contrast_ratio(b, a)


@pytest.mark.parametrize(
    ("color", "text"),
    [
        ("#2f54c6", WHITE),  # a dark blue keeps white text
        ("#767676", WHITE),  # just readable (4.54)
        ("#777777", DARK),  # white is 4.48, under 4.5: black reads at 4.69
        ("#ffd400", DARK),  # yellow
        ("#ffffff", DARK),
        ("#ff0000", DARK),  # white on pure red is 4.0
    ],
)
def test_text_on_a_colour_is_white_while_readable_else_the_better_one(
    color: str, text: str
) -> None:
    assert text_on(color) == text


def test_a_link_keeps_a_readable_colour_and_its_hue() -> None:
    assert link_on_white("#2f54c6") == "#2f54c6"  # already readable: unchanged
    yellow = link_on_white("#ffd400")
    assert contrast_ratio(yellow, WHITE) >= 4.5
    red, green, blue = (int(yellow[i : i + 2], 16) for i in (1, 3, 5))
    assert red > green > blue == 0  # still a yellow-brown, not black
    assert link_on_white("#ffffff") != "#ffffff"
    assert contrast_ratio(link_on_white("#ffffff"), WHITE) >= 4.5


def test_the_favicon_is_the_logo_or_the_first_letter_on_the_colour() -> None:
    logo = Brand(
        display_name="Acme", logo_url="https://cdn.example.com/a.png", primary_color="#ffd400"
    )
    assert logo.favicon_url == "https://cdn.example.com/a.png"
    letter = Brand(display_name=" acme", logo_url=None, primary_color="#ffd400")
    svg = unquote(letter.favicon_url.removeprefix("data:image/svg+xml,"))
    assert letter.favicon_url.startswith("data:image/svg+xml,")
    assert 'fill="#ffd400"' in svg and f'fill="{DARK}">A</text>' in svg
