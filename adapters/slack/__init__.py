"""The Slack adapter: slack-bolt in, Block Kit out."""

__all__: list[str] = []
