def navigation(request):
    """Counts shown in the navigation bar (unread messages and notifications, reported things to review)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from messaging.selectors import unread_conversation_count
    from moderation.selectors import open_report_target_count
    from notifications.selectors import unread_notification_count

    return {
        "nav_unread_messages": unread_conversation_count(user=user),
        "nav_unread_notifications": unread_notification_count(user=user),
        "nav_open_reports": open_report_target_count(user=user),
    }
