"""Reference data (``reference``) and guidance (``guidance``), re-exported."""

from knowledgebase.models.guidance import (
    Article,
    ArticleReadDay,
    ArticleSearchWords,
    ArticleVersion,
    ArticleWord,
    DeflectionDay,
    SearchScope,
    SearchTermDay,
    Snippet,
    SnippetVersion,
)
from knowledgebase.models.reference import (
    ChallengeWindow,
    DeadlineRule,
    LetterTemplate,
    LetterTemplateVersion,
    LocalAuthority,
    Nation,
    Region,
    ServiceLevelTarget,
    Topic,
)

__all__ = [
    "Article",
    "ArticleReadDay",
    "ArticleSearchWords",
    "ArticleVersion",
    "ArticleWord",
    "ChallengeWindow",
    "DeadlineRule",
    "DeflectionDay",
    "LetterTemplate",
    "LetterTemplateVersion",
    "LocalAuthority",
    "Nation",
    "Region",
    "SearchScope",
    "SearchTermDay",
    "ServiceLevelTarget",
    "Snippet",
    "SnippetVersion",
    "Topic",
]
