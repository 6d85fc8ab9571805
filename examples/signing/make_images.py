"""Draw the specimen signature and seal pictures used by the signing examples and tests.

    python examples/signing/make_images.py      # writes signature.png and seal.png here

Both are PNG with a transparent background, as Decree 30 asks: a blue
handwritten-style signature and a red round seal.  They are specimens ("MẪU")
of no real person or body.  The drawing is deterministic.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from matplotlib import font_manager
from PIL import Image, ImageChops, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
SCALE = 4  # drawn larger, then reduced: smooth edges
BLUE = (22, 52, 158)
RED = (208, 28, 36)


def signature(width: int = 520, height: int = 260) -> Image.Image:
    """A cursive-looking autograph: looped strokes with varying pressure and a flourish."""
    w, h = width * SCALE, height * SCALE
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def stroke(points: list[tuple[float, float]], thickness: float) -> None:
        for index in range(len(points) - 1):
            t = index / max(1, len(points) - 2)
            pressure = 0.55 + 0.45 * math.sin(math.pi * t)  # thin at both ends
            size = max(1, round(thickness * pressure * SCALE))
            draw.line([points[index], points[index + 1]], fill=(*BLUE, 255), width=size)
            x, y = points[index + 1]
            draw.ellipse(
                [x - size / 2, y - size / 2, x + size / 2, y + size / 2], fill=(*BLUE, 255)
            )

    # The name: a row of loops (a prolate cycloid), rising slightly to the right.
    name = []
    for i in range(900):
        t = i / 899 * 9.4 * math.pi
        x = 45 + 40 * t / math.pi + 22 * math.sin(t)
        y = 140 - 48 * math.cos(t) * (0.65 + 0.35 * math.sin(t / 2.3)) - 5 * t / math.pi
        name.append((x * SCALE, y * SCALE))
    stroke(name, 5.0)
    # A long flourish underneath, back from right to left.
    flourish = []
    for i in range(300):
        t = i / 299
        x = 480 - 440 * t
        y = 200 + 22 * math.sin(t * math.pi * 1.3) - 26 * t * t
        flourish.append((x * SCALE, y * SCALE))
    stroke(flourish, 4.0)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _bold_font(size: int) -> ImageFont.FreeTypeFont:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    return ImageFont.truetype(path, size)


def _arc_text(image: Image.Image, text: str, radius: float, size: int, top: bool) -> None:
    """Letters along a circle, upright to a reader turning the seal (top arc or bottom arc)."""
    font = _bold_font(size)
    centre = image.width / 2
    widths = [font.getlength(ch) for ch in text]
    total = sum(widths) + 0.12 * size * (len(text) - 1)
    span = total / radius  # radians the text covers
    angle = -math.pi / 2 - span / 2 if top else math.pi / 2 + span / 2
    for ch, advance in zip(text, widths, strict=True):
        step = (advance + 0.12 * size) / radius
        middle = angle + (step / 2 if top else -step / 2)
        glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size, size), ch, font=font, fill=(*RED, 255), anchor="mm")
        rotation = -math.degrees(middle) - 90 if top else -math.degrees(middle) + 90
        glyph = glyph.rotate(rotation, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(middle) - size
        y = centre + radius * math.sin(middle) - size
        image.alpha_composite(glyph, (round(x), round(y)))
        angle += step if top else -step


def seal(diameter: int = 460) -> Image.Image:
    """A round seal: double ring, the body's name around, a star, "MẪU" across."""
    n = diameter * SCALE
    image = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = n / 2
    ring = (*RED, 255)
    draw.ellipse(
        [6 * SCALE, 6 * SCALE, n - 6 * SCALE, n - 6 * SCALE], outline=ring, width=11 * SCALE
    )
    inner = 0.62 * c
    draw.ellipse([c - inner, c - inner, c + inner, c + inner], outline=ring, width=4 * SCALE)
    _arc_text(image, "CƠ QUAN MẪU · BRIEFGEN", 0.81 * c, 40 * SCALE, top=True)
    _arc_text(image, "TỈNH MẪU", 0.81 * c, 40 * SCALE, top=False)
    r = 0.2 * c
    star = [
        (
            c + (r if k % 2 == 0 else r * 0.4) * math.cos(-math.pi / 2 + k * math.pi / 5),
            c
            - 0.16 * c
            + (r if k % 2 == 0 else r * 0.4) * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=ring)
    draw.text((c, c + 0.24 * c), "MẪU", font=_bold_font(58 * SCALE), fill=ring, anchor="mm")
    # Stamp ink is uneven: thin it here and there, as a real impression is.
    rng = random.Random(30)
    speckle = Image.new("L", image.size, 255)
    speckle_draw = ImageDraw.Draw(speckle)
    for _ in range(900):
        x, y = rng.uniform(0, n), rng.uniform(0, n)
        radius = rng.uniform(2, 6) * SCALE
        speckle_draw.ellipse(
            [x - radius, y - radius, x + radius, y + radius], fill=rng.randint(150, 230)
        )
    image.putalpha(ImageChops.darker(image.getchannel("A"), speckle))
    return image.resize((diameter, diameter), Image.Resampling.LANCZOS)


def main() -> None:
    signature().save(HERE / "signature.png", optimize=True)
    seal().save(HERE / "seal.png", optimize=True)
    print(f"wrote {HERE / 'signature.png'} and {HERE / 'seal.png'}")


if __name__ == "__main__":
    main()
