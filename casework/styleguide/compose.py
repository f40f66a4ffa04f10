"""The design system's tokens as the style guide shows them, and the contrast of each
colour pair in use (WCAG 2.2 relative luminance). The values are those of ``:root`` in
``config/static/css/desk.css``; a test keeps the two the same and every pair at AA."""

from dataclasses import dataclass

WHITE = "#ffffff"
AA_TEXT = 4.5


@dataclass(frozen=True)
class Colour:
    token: str  # the custom property's name without "--"
    value: str  # "#rrggbb", as in desk.css
    use: str


# The one list of colour tokens, in desk.css's order.
COLOURS: list[Colour] = [
    Colour("ink", "#0b0c0c", "Text, input borders, the focus ring's outline."),
    Colour("muted", "#484949", "Secondary text: hints, dates, who did something."),
    Colour("brand", "#1d4d7a", "The header's background, panel and notice edges."),
    Colour("link", "#1a4f8b", "Links and disclosure summaries."),
    Colour("error", "#b10e1e", "Errors and passed deadlines; always with words."),
    Colour("ok", "#00703c", "Primary buttons, confirmations, done."),
    Colour("warn", "#7a4a00", "Needs checking; internal-only entries."),
    Colour("focus", "#ffdd00", "The focus halo and the skip link. Never text."),
    Colour("line", "#b1b4b6", "Rules and borders that carry no meaning. Never text."),
    Colour("bg-soft", "#f3f2f1", "Panels, the side panel, table headings."),
    Colour("ok-soft", "#e6f4ea", "Background of ok badges and public entries."),
    Colour("warn-soft", "#fff4d6", "Background of warn badges and internal entries."),
    Colour("error-soft", "#fbeaec", "Background of error badges."),
    Colour("highlight", "#fff29e", "Search matches (mark)."),
]

# Every (text, background) pair the stylesheet uses; "white" is #fff.
TEXT_PAIRS: list[tuple[str, str]] = [
    ("ink", "white"),
    ("ink", "bg-soft"),
    ("ink", "focus"),
    ("ink", "highlight"),
    ("muted", "white"),
    ("muted", "bg-soft"),
    ("link", "white"),
    ("link", "bg-soft"),
    ("error", "white"),
    ("error", "bg-soft"),
    ("error", "error-soft"),
    ("ok", "white"),
    ("ok", "bg-soft"),
    ("ok", "ok-soft"),
    ("warn", "white"),
    ("warn", "bg-soft"),
    ("warn", "warn-soft"),
    ("white", "brand"),
    ("white", "ok"),
    ("white", "error"),
]

# Spacing and type scales, as in desk.css.
SPACING: list[tuple[str, str]] = [
    ("space-1", ".25rem"),
    ("space-2", ".5rem"),
    ("space-3", ".75rem"),
    ("space-4", "1rem"),
    ("space-5", "1.5rem"),
    ("space-6", "2rem"),
    ("space-7", "3rem"),
]
TYPE_SCALE: list[tuple[str, str, str]] = [
    ("text-s", ".9rem", "Badges, the side panel, compact tables."),
    ("text-m", "1.0625rem", "Body text (17px)."),
    ("text-l", "1.25rem", "Headings inside panels, the service name, leads."),
    ("text-xl", "1.75rem", "A reference shown large."),
    ("text-xxl", "2rem", "The page's h1."),
]


def hex_value(name: str) -> str:
    if name == "white":
        return WHITE
    return next(c.value for c in COLOURS if c.token == name)


def luminance(value: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(value.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours, 1 to 21."""
    light, dark = sorted([luminance(first), luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Pair:
    text: str
    background: str
    ratio: float

    @property
    def passes(self) -> bool:
        return self.ratio >= AA_TEXT


def colour_rows() -> list[dict]:
    ink = hex_value("ink")
    return [
        {
            "colour": c,
            "on_white": round(contrast(c.value, WHITE), 2),
            "with_ink": round(contrast(c.value, ink), 2),
        }
        for c in COLOURS
    ]


def text_pairs() -> list[Pair]:
    return [
        Pair(text, background, round(contrast(hex_value(text), hex_value(background)), 2))
        for text, background in TEXT_PAIRS
    ]
