from django import template

from accounts.avatars import Face, face_of

register = template.Library()


@register.simple_tag
def face(person) -> Face:
    """For templates/includes/avatar.html: `{% face person as face %}`."""
    return face_of(person)
