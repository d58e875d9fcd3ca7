from django import template

register = template.Library()


@register.filter
def conversation_title(conversation, viewer) -> str:
    return conversation.title_for(viewer)
