def unread_notification_count(*, user) -> int:
    return user.notifications.filter(read_at__isnull=True).count()
