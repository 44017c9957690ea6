"""The small error hierarchy of article-qa. Edges (CLI, UI) translate these into one clear message."""


class ArticleQAError(Exception):
    """Base of every error article-qa raises on purpose."""


class InvalidInputError(ArticleQAError, ValueError):
    """The caller passed something wrong: a bad question, path or setting."""


class StoreError(ArticleQAError):
    """The article store cannot be opened or used as asked."""


class ModelMismatchError(StoreError):
    """The store was built with another embedding model than the one configured."""


class StoreBusyError(StoreError):
    """Another process is writing to this embedded store."""
