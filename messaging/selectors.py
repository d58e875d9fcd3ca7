def unread_conversation_count(*, user) -> int:
    """Conversations with a message from someone else newer than the user's read mark."""
    return 0
