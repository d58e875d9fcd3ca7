import re

from django import template
from django.urls import reverse
from django.utils.html import urlize
from django.utils.safestring import mark_safe

from accounts.mentions import MENTION

register = template.Library()

_LINK = re.compile(r"(<a [^>]*>.*?</a>)", re.DOTALL)


def _profile_link(match: re.Match) -> str:
    return f'<a href="{reverse("accounts:profile", args=[match[1]])}" class="mention">@{match[1]}</a>'


@register.filter(needs_autoescape=True)
def rich_text(text: str, autoescape: bool = True) -> str:
    """User text as HTML: escaped, web addresses as links (rel=nofollow), @username as a link to the profile.

    Every @name is linked, as on other networks; an unknown name leads to the profile page's 404."""
    html = urlize(text, nofollow=True, autoescape=autoescape)
    # Mentions only outside the links urlize made, so that an "@" inside an address stays part of it.
    parts = _LINK.split(html)
    parts[::2] = [MENTION.sub(_profile_link, part) for part in parts[::2]]
    return mark_safe("".join(parts))
