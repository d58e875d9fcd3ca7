from django import template

from comments.sections import section_context
from posts.reposts import reposts_of_user

register = template.Library()
PROFILE_REPOSTS_SHOWN = 10


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_section(context, post):
    """The comment section of a post page, rendered in the page itself so that it works without JavaScript."""
    return section_context(request=context["request"], post=post)


@register.simple_tag(takes_context=True)
def recent_reposts_of(context, person, limit=PROFILE_REPOSTS_SHOWN):
    """The latest reposts by `person` that the page's viewer may see, with post cards ready to render."""
    return list(reposts_of_user(user=person, viewer=context["request"].user)[:limit])
