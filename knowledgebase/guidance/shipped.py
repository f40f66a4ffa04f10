"""The articles the desk ships with (``knowledgebase/data/articles/*.md``): TOML front
matter between ``+++`` lines, then the Markdown body. Pure: migrations load them."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

SHIPPED_ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"


@dataclass(frozen=True)
class ShippedArticle:
    slug: str
    title: str
    summary: str
    topics: list[str]
    legal_sources: list[str]
    body: str
    audience: str = "public"


def parse_article_file(path: Path) -> ShippedArticle:
    _, front, body = path.read_text(encoding="utf-8").split("+++", 2)
    meta = tomllib.loads(front)
    return ShippedArticle(
        slug=meta["slug"],
        title=meta["title"],
        summary=meta["summary"],
        topics=list(meta["topics"]),
        legal_sources=list(meta.get("legal_sources", [])),
        body=body.strip() + "\n",
        audience=meta.get("audience", "public"),
    )


def shipped_articles(directory: Path = SHIPPED_ARTICLES) -> list[ShippedArticle]:
    return [parse_article_file(path) for path in sorted(directory.glob("*.md"))]
