from django import template

register = template.Library()


@register.filter
def conversation_title(conversation, viewer) -> str:
    return conversation.title_for(viewer)


@register.filter
def conversation_others(conversation, viewer) -> list:
    """The other people in a conversation (the faces of an inbox row), from its prefetched participants."""
    return conversation.others(viewer)
