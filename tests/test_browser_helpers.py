"""The blank-screenshot check itself must tell an empty page from a drawn one."""

import io

from PIL import Image, ImageDraw

from tests.browser import looks_blank


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_white_and_nearly_white_pages_are_blank():
    assert looks_blank(png(Image.new("RGB", (1400, 900), "white")))
    spinner_only = Image.new("RGB", (1400, 900), "white")
    ImageDraw.Draw(spinner_only).ellipse((690, 440, 710, 460), outline="grey")
    assert looks_blank(png(spinner_only))


def test_a_page_with_text_and_charts_is_not_blank():
    image = Image.new("RGB", (1400, 900), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 300, 900), fill=(240, 242, 246))
    for i in range(12):
        draw.text((350, 40 + 60 * i), f"Metric {i}: {i * 1234:,}", fill=(20, 20, 20))
        draw.rectangle((700, 40 + 60 * i, 700 + 50 * i, 80 + 60 * i), fill=(0, 114, 178 - 10 * i))
    assert not looks_blank(png(image))
