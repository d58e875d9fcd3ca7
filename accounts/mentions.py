"""@username mentions in posts and comments: how they are found in text."""

import re

# Django usernames are letters, digits and @ . + - _. A mention starts a word (after a space, an opening bracket or
# quote, a comma or semicolon), so "@" inside e-mail and web addresses is not one, and does not take a trailing dot,
# which ends the sentence.
MENTION = re.compile(r"(?<![^\s(\[{\"'“‘,;])@([\w.+-]*[\w+-])")


def mentioned_usernames(text: str) -> list[str]:
    """The usernames a text mentions, each once, in order of first mention."""
    return list(dict.fromkeys(MENTION.findall(text)))
