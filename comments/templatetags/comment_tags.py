from django import template

from comments.sections import section_context

register = template.Library()


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_section(context, post):
    """The comment section of a post page, rendered in the page itself so that it works without JavaScript."""
    return section_context(request=context["request"], post=post)
